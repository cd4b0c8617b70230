// Command host is the end-to-end test's host for the withapi fixture, whose
// exports use pluginapi types.
package main

import (
	"fmt"
	"os"
	"strings"

	"example.com/plugkit/pluginapi"
)

func main() {
	api, err := BindPluginAPI(os.Args[1])
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	var m pluginapi.Manifest = *api.PluginManifest
	fmt.Println("PluginManifest:", m.Name, m.Version, m.APIVersion == pluginapi.APIVersion)
	fmt.Println("Manifest:", api.Manifest() == api.PluginManifest)
	fmt.Println("Greeter:", (*api.Greeter).Greet())
	var labels pluginapi.Labels = *api.DefaultLabels
	fmt.Println("DefaultLabels:", labels["plugin"])
	var sb strings.Builder
	var logger pluginapi.Logger = api.NewLogger(&sb)
	logger.Log("a", nil)
	logger.Info("b", labels)
	logger.Warn("c", nil)
	fmt.Println("Logger:", sb.String())
}
