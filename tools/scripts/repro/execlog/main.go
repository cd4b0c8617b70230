// Command execlog reads the execution log Bazel writes with
// --execution_log_json_file (a stream of concatenated JSON SpawnExec
// objects, one per spawn that ran or hit a cache) and answers the questions
// plugkit's scripts ask of it:
//
//	execlog cache LOG                      which spawns missed the remote cache (tools/scripts/repro/run.sh)
//	execlog executed LOG                   which spawns ran, by target and mnemonic (tools/scripts/repro/incremental.sh)
//	execlog platform [--require=NAME] LOG  the execution platform properties spawns carry
//
// It is a Go program rather than a script so that the checks need nothing
// beyond what the build already has: tools/bazel run //tools/scripts/repro/execlog.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"example.com/plugkit/internal/cli"
)

func main() {
	cli.Exit("execlog", run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: execlog cache LOG
       execlog executed LOG
       execlog platform [--require=NAME]... LOG

Reads LOG, a Bazel execution log in JSON (--execution_log_json_file).

cache     lists the spawns a remote cache could not answer, then counts:
            uncacheable MNEMONIC LABEL (RUNNER)   not remote cacheable (tags)
            miss MNEMONIC LABEL (RUNNER)          remote cacheable, but ran
            spawns N cacheable N misses N
executed  counts the spawns that ran (were no cache hit), by target and
          mnemonic
platform  prints each distinct execution platform property, NAME=VALUE, one
          a line, sorted; --require=NAME fails, listing them, when spawns
          lack the property NAME

Spawns whose action hit Bazel's local action cache are not in a log.
Exit status: 0 on success, 1 on an unreadable or malformed log or a spawn
--require finds wanting, 2 on usage errors.
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command", cli.ErrUsage)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "cache":
		return cache(args[1:], stdout, stderr)
	case "executed":
		return executed(args[1:], stdout, stderr)
	case "platform":
		return platformCmd(args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", cli.ErrUsage, args[0])
}

// parse parses a subcommand's flags and returns its one LOG argument.
func parse(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", fmt.Errorf("%w: %v", cli.ErrUsage, err)
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%w: %s takes one LOG, got %d arguments", cli.ErrUsage, fs.Name(), fs.NArg())
	}
	return userPath(fs.Arg(0)), nil
}

func flagSet(name, synopsis, what string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: execlog %s\n\n%s\n", synopsis, what)
		if strings.Contains(synopsis, "--") {
			fmt.Fprint(stderr, "\nflags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// userPath resolves a path as the user typed it: under `bazel run`, relative
// to the folder the command was run from.
func userPath(p string) string {
	if wd := os.Getenv("BUILD_WORKING_DIRECTORY"); wd != "" && p != "" && !filepath.IsAbs(p) {
		return filepath.Join(wd, p)
	}
	return p
}

func cache(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("cache", "cache LOG", "Lists the spawns of LOG that were not remote cache hits (see execlog --help).", stderr)
	path, err := parse(fs, args)
	if err != nil {
		return err
	}
	var uncacheable, misses []string
	spawns, cacheable := 0, 0
	err = readLog(path, func(s *spawn) error {
		spawns++
		if !s.RemoteCacheable {
			uncacheable = append(uncacheable, s.what())
			return nil
		}
		cacheable++
		if !s.CacheHit {
			misses = append(misses, s.what())
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Bazel logs spawns as they finish, in no fixed order.
	sort.Strings(uncacheable)
	sort.Strings(misses)
	for _, w := range uncacheable {
		fmt.Fprintf(stdout, "uncacheable %s\n", w)
	}
	for _, w := range misses {
		fmt.Fprintf(stdout, "miss %s\n", w)
	}
	fmt.Fprintf(stdout, "spawns %d cacheable %d misses %d\n", spawns, cacheable, len(misses))
	return nil
}

func executed(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("executed", "executed LOG", "Counts the spawns of LOG that ran, by target and mnemonic.", stderr)
	path, err := parse(fs, args)
	if err != nil {
		return err
	}
	type key struct{ label, mnemonic string }
	counts := map[key]int{}
	total := 0
	err = readLog(path, func(s *spawn) error {
		if s.CacheHit {
			return nil
		}
		total++
		label := s.TargetLabel
		if label == "" {
			label = "?"
		}
		counts[key{label, s.Mnemonic}]++
		return nil
	})
	if err != nil {
		return err
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].label != keys[j].label {
			return keys[i].label < keys[j].label
		}
		return keys[i].mnemonic < keys[j].mnemonic
	})
	fmt.Fprintf(stdout, "%d spawns executed\n", total)
	for _, k := range keys {
		fmt.Fprintf(stdout, "  %3d  %-22s %s\n", counts[k], k.mnemonic, k.label)
	}
	return nil
}

func platformCmd(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("platform", "platform [--require=NAME]... LOG", "Prints the distinct execution platform properties of LOG's spawns, NAME=VALUE, sorted.", stderr)
	var require []string
	fs.Func("require", "fail when a spawn has no platform property `NAME` (repeatable)", func(v string) error {
		if v == "" {
			return errors.New("an empty property name")
		}
		require = append(require, v)
		return nil
	})
	path, err := parse(fs, args)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	lacking := map[string][]string{}
	spawns := 0
	err = readLog(path, func(s *spawn) error {
		spawns++
		has := map[string]bool{}
		for _, p := range s.Platform.Properties {
			seen[p.Name+"="+p.Value] = true
			has[p.Name] = true
		}
		for _, name := range require {
			if !has[name] {
				lacking[name] = append(lacking[name], s.what())
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	lines := make([]string, 0, len(seen))
	for l := range seen {
		lines = append(lines, l)
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	var failed []string
	for _, name := range require {
		missing := lacking[name]
		if len(missing) == 0 {
			continue
		}
		sort.Strings(missing)
		for _, w := range missing {
			fmt.Fprintf(stderr, "no %s: %s\n", name, w)
		}
		failed = append(failed, fmt.Sprintf("%d of %d spawns have no platform property %s", len(missing), spawns, name))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s: %s (listed above)", path, strings.Join(failed, "; "))
	}
	return nil
}
