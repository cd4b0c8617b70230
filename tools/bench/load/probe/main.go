// Command probe loads plugins with plugkit's loader, binds them, and prints
// where the time went as one JSON object on stdout.
//
// It exists so that every measured load happens in a fresh process: Go
// loads a plugin path once per process and never unloads it, so a second
// load in the same process would only measure a map lookup.
// //tools/bench/load:load_test runs it once per benchmark iteration.
//
// Usage:
//
//	probe PLUGIN.so...
//
// Each plugin's build manifest must sit beside it, as Bazel's go_plugin
// leaves it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"example.com/plugkit/host/buildconfig"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/cli"
	"example.com/plugkit/pluginapi/kinds/adder"
)

// Result is the probe's output; load_test decodes it. Durations are the
// sums over all plugins, in nanoseconds.
type Result struct {
	Plugins int `json:"plugins"`
	// Stage, Check, Open and Identify are loader.LoadTimings.
	StageNs    int64 `json:"stage_ns"`
	CheckNs    int64 `json:"check_ns"`
	OpenNs     int64 `json:"open_ns"`
	IdentifyNs int64 `json:"identify_ns"`
	// BindNs is the generated bindings' Bind of the adder kind: symbol lookups
	// and type assertions.
	BindNs int64 `json:"bind_ns"`
	// LoadNs is the wall time of all Load and bind calls together, which
	// also holds what the phases leave out (the registry, cleanup).
	LoadNs int64 `json:"load_ns"`
}

func main() {
	cli.Exit("probe", probe(os.Args[1:]))
}

func probe(args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(os.Stdout, usage)
		return nil
	}
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("%w: no plugin given", cli.ErrUsage)
	}
	res, err := run(args)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

const usage = `usage: probe PLUGIN.so...

Loads and binds each plugin in one fresh process, as the host does, and
prints the time each load phase took, summed over the plugins, as one JSON
object. Each plugin's build manifest must sit beside it.
`

// newLoader configures the loader as the host's does (host/commands.go),
// so the benchmark pays for the same checks a real host start pays for.
func newLoader() *loader.Loader {
	cfg := loader.HostConfig()
	if buildconfig.Generated {
		cfg.GoVersion = buildconfig.GoVersion
		cfg.BuildFlagsFingerprint = buildconfig.BuildFlagsFingerprint
		cfg.SharedDeps = buildconfig.SharedDeps
	}
	return loader.New(cfg)
}

func run(paths []string) (*Result, error) {
	l := newLoader()
	res := &Result{Plugins: len(paths)}
	for _, path := range paths {
		start := time.Now()
		p, err := l.LoadKind(path, adder.Spec)
		if err != nil {
			return nil, err
		}
		bindStart := time.Now()
		api, err := adder.Bind(p)
		end := time.Now()
		if err != nil {
			return nil, err
		}
		res.BindNs += int64(end.Sub(bindStart))
		res.LoadNs += int64(end.Sub(start))
		res.StageNs += int64(p.Timings.Stage)
		res.CheckNs += int64(p.Timings.Check)
		res.OpenNs += int64(p.Timings.Open)
		res.IdentifyNs += int64(p.Timings.Identify)
		// A call proves the binding reached this plugin's own code: each
		// fixture adds its own number.
		if got := api.AddTwoInts(1, 2); got < 3 {
			return nil, fmt.Errorf("%s: AddTwoInts(1, 2) = %d", path, got)
		}
	}
	if n := len(loader.Loaded()); n != len(paths) {
		// The same bytes twice would be loaded once and measured as free.
		return nil, fmt.Errorf("%d plugins loaded from %d paths; pass distinct plugins", n, len(paths))
	}
	return res, nil
}
