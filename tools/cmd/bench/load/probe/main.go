// Command probe loads plugins with plugkit's loader, binds them, and prints
// where the time went as one JSON object on stdout.
//
// It exists so that every measured load happens in a fresh process: Go
// loads a plugin path once per process and never unloads it, so a second
// load in the same process would only measure a map lookup.
// //tools/cmd/bench/load:load_test runs it once per benchmark iteration.
//
// Usage:
//
//	probe PLUGIN.so...
//
// Each plugin's build record must sit beside it, as Bazel's go_plugin
// leaves it.
package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"example.com/plugkit/host/buildconfig"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/cli"
	"example.com/plugkit/internal/signing"
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
	// SHA256Ns is one bare SHA-256 pass over each plugin file, as sha256sum
	// makes it (open, read in 256 KiB chunks, hash), just before its load:
	// the yardstick of the loader's own work, LoadNs - OpenNs.
	SHA256Ns int64 `json:"sha256_ns"`
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

Loads and binds each plugin in one fresh process, as a host in production
mode does (the plugins copied and signed with a key made for the run), and
prints the time each load phase took, summed over the plugins, as one JSON
object. Each plugin's build record must sit beside it.
`

// newLoader configures the loader as the host's does
// (buildconfig.LoaderConfig), in production mode, so the benchmark pays for
// the same checks a real host start pays for.
func newLoader(trusted []loader.TrustedKey) *loader.Loader {
	cfg := buildconfig.LoaderConfig()
	cfg.TrustedKeys = trusted
	return loader.New(cfg)
}

func run(paths []string) (*Result, error) {
	paths, keys, cleanup, err := signedCopies(paths)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	l := newLoader(keys)
	res := &Result{Plugins: len(paths)}
	buf := make([]byte, 256<<10)
	for _, path := range paths {
		start := time.Now()
		if err := sha256File(path, buf); err != nil {
			return nil, err
		}
		res.SHA256Ns += int64(time.Since(start))
		start = time.Now()
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

// sha256File is the yardstick: one SHA-256 pass over the file at path.
func sha256File(path string, buf []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, buf); err != nil {
		return err
	}
	h.Sum(nil)
	return nil
}

// signedCopies copies each plugin and its build record into a new folder
// and signs the build record with a key made here, so that the loads measured
// are those of a host in production mode (loader.Config.TrustedKeys), the
// signature check included. Nothing here is timed.
func signedCopies(paths []string) ([]string, []loader.TrustedKey, func(), error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	dir, err := os.MkdirTemp("", "probe-")
	if err != nil {
		return nil, nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	var out []string
	for i, p := range paths {
		dst := filepath.Join(dir, fmt.Sprint(i), filepath.Base(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		for _, suffix := range []string{"", buildrecord.Suffix} {
			data, err := os.ReadFile(p + suffix)
			if err != nil {
				cleanup()
				return nil, nil, nil, err
			}
			if err := os.WriteFile(dst+suffix, data, 0o644); err != nil {
				cleanup()
				return nil, nil, nil, err
			}
			if suffix != "" {
				if err := os.WriteFile(loader.SignaturePath(dst), signing.Sign(key, data), 0o644); err != nil {
					cleanup()
					return nil, nil, nil, err
				}
			}
		}
		out = append(out, dst)
	}
	return out, []loader.TrustedKey{signing.NewPublicKey(pub, "probe")}, cleanup, nil
}
