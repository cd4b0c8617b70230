// Command host is the end-to-end test's host for the basic fixture. The
// test generates three bindings next to it (PluginAPI: default; Checked:
// -sha256 -dereference-vars; Iface: -interface) and runs it as
//
//	host good.so wrong.so tampered.so
//
// where wrong.so is the basicv2 fixture and tampered.so is good.so with one
// byte appended. It prints one line per check; the test compares them.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

func main() {
	good, wrong, tampered := os.Args[1], os.Args[2], os.Args[3]

	api, err := BindPluginAPI(good)
	check(err)
	fmt.Println("AddTwoInts:", api.AddTwoInts(10, 20))
	fmt.Println("BuildVersion:", *api.BuildVersion)
	*api.BuildVersion = "changed" // a pointer field aliases the plugin's variable
	fmt.Println("String has symbols:", strings.Contains(api.String(), "    - AddTwoInts func(int, int) int\n") &&
		strings.Contains(api.String(), "    - BuildVersion string\n"))

	checked, err := BindChecked(good)
	check(err)
	fmt.Println("Checked.AddTwoInts:", checked.AddTwoInts(1, 2))
	fmt.Println("Checked.BuildVersion:", checked.BuildVersion)

	var iface Iface
	iface, err = BindIface(good)
	check(err)
	fmt.Println("Iface.AddTwoInts:", iface.AddTwoInts(3, 4))

	_, err = BindPluginAPI(wrong)
	fmt.Println("wrong: missing:", errors.Is(err, ErrPluginAPISymbolMissing))
	fmt.Println("wrong: type:", errors.Is(err, ErrPluginAPISymbolType))
	var te *PluginAPITypeError
	if errors.As(err, &te) {
		fmt.Printf("wrong: %s expected %s, got %s\n", te.Symbol, te.Expected, te.Actual)
	}
	var me *PluginAPIMissingSymbolError
	if errors.As(err, &me) {
		fmt.Println("wrong: missing symbol:", me.Symbol)
	}

	_, err = BindChecked(tampered)
	var ce *CheckedChecksumError
	fmt.Println("tampered: checksum:", errors.Is(err, ErrCheckedChecksum), errors.As(err, &ce) && ce.Actual != ce.Expected)
}

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}
