package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"example.com/plugkit/host/buildconfig"
	"example.com/plugkit/host/isolated"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/cli"
	"example.com/plugkit/pluginapi"
	"example.com/plugkit/pluginapi/kinds/adder"
	"example.com/plugkit/pluginapi/kinds/adderrpc"
	"example.com/plugkit/pluginapi/kinds/greeter"
	"example.com/plugkit/pluginapi/kinds/logger"
	"example.com/plugkit/pluginapi/kinds/loggerrpc"
)

// newLoader returns a loader that expects what this host was built with
// (buildconfig.LoaderConfig), in the trust mode the command line chose.
func newLoader() *loader.Loader {
	cfg := buildconfig.LoaderConfig()
	cfg.TrustedKeys = trustedKeys
	return loader.New(cfg)
}

func logCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("log", "log [--dir=DIR] [--isolated] [--level=info] [--msg=TEXT] [--label=k=v ...]", stderr)
	dir := pluginsFlag(fs, "dir", "folder whose logger plugins, at any depth, all receive the message")
	level := fs.String("level", "info", "log, info or warn")
	msg := fs.String("msg", "Hello world!", "the message")
	labels := labelFlag{"user": "sample"}
	fs.Var(labels, "label", "a key=value label (repeatable; default user=sample)")
	mode := isolationFlags(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	send := map[string]func(pluginapi.Logger){
		"log":  func(l pluginapi.Logger) { l.Log(*msg, labels) },
		"info": func(l pluginapi.Logger) { l.Info(*msg, labels) },
		"warn": func(l pluginapi.Logger) { l.Warn(*msg, labels) },
	}[*level]
	if send == nil {
		return cli.UsageError("--level=%q: want log, info or warn", *level)
	}
	// One bad plugin does not stop the others; every failure is reported.
	// A logger's failure while logging (a panic, a dead or hung process)
	// is one too.
	var failed []error
	deliver := func(b *logger.Plugin) {
		if err := isolated.Catch(func() { send(b.Logger) }); err != nil {
			failed = append(failed, err)
		}
	}
	// Loggers linked into this host first, then every logger .so in the
	// folder; a static host without the folder has only the former.
	linked := loader.Static(logger.Kind)
	for _, p := range linked {
		b, err := logger.Bind(p)
		if err != nil {
			return err
		}
		deliver(b)
	}
	found, err := findPlugins(*dir, logger.Kind)
	if err != nil {
		return err
	}
	if len(found)+len(linked) == 0 {
		return cli.UsageError("no logger plugins in %s (set --dir)", *dir)
	}
	l := newLoader()
	for _, f := range found {
		var b *logger.Plugin
		if mode.isolated {
			b, _, err = loggerrpc.Load(l, loader.IsolatedPath(f.path), mode.options())
		} else {
			b, err = logger.Load(l, f.path)
		}
		if err != nil {
			failed = append(failed, err)
			continue
		}
		deliver(b)
	}
	for _, err := range failed {
		fmt.Fprintln(stderr, "host:", err)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d logger plugins failed", len(failed), len(found)+len(linked))
	}
	return nil
}

// labelFlag collects key=value labels; the first one given replaces the
// default set.
type labelFlag pluginapi.Labels

func (l labelFlag) String() string {
	pairs := make([]string, 0, len(l))
	for k, v := range l {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

func (l labelFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	if l["user"] == "sample" && len(l) == 1 {
		delete(l, "user")
	}
	l[k] = val
	return nil
}

func list(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", "list [DIR]", stderr)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	dir := defaultPluginsDir()
	if fs.NArg() == 1 {
		dir = userPath(fs.Arg(0))
	}
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".so") {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	l := newLoader()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGIN\tSHA256\tVERDICT")
	bad := 0
	for _, path := range paths {
		rel, _ := filepath.Rel(dir, path)
		in, err := l.Inspect(path)
		switch {
		case err != nil:
			bad++
			fmt.Fprintf(tw, "%s\t-\t%s: %v\n", rel, loader.Code(err), err)
		case !in.Verdict.Compatible:
			bad++
			codes := make([]string, 0, len(in.Verdict.Findings))
			for _, p := range in.Verdict.Findings {
				codes = append(codes, p.Code)
			}
			fmt.Fprintf(tw, "%s\t%.12s\trefused (%s)\n", rel, in.SHA256, strings.Join(codes, ", "))
		default:
			fmt.Fprintf(tw, "%s\t%.12s\tok\n", rel, in.SHA256)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d plugins would be refused; run host inspect FILE for details", bad, len(paths))
	}
	return nil
}

func inspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", "inspect [--json] FILE", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.UsageError("inspect takes one plugin file")
	}
	in, err := newLoader().Inspect(userPath(fs.Arg(0)))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(in); err != nil {
			return err
		}
	} else {
		printInspection(stdout, in)
	}
	if !in.Verdict.Compatible {
		codes := make([]string, 0, len(in.Verdict.Findings))
		for _, p := range in.Verdict.Findings {
			codes = append(codes, p.Code)
		}
		return fmt.Errorf("%s would be refused (%s)", fs.Arg(0), strings.Join(codes, ", "))
	}
	return nil
}

func printInspection(w io.Writer, in *loader.Inspection) {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "file:\t%s\n", in.Path)
	fmt.Fprintf(tw, "sha256:\t%s\n", in.SHA256)
	fmt.Fprintf(tw, "size:\t%d bytes\n", in.Size)
	if in.ELF != nil {
		fmt.Fprintf(tw, "elf:\t%s %s %s\n", in.ELF.Class, in.ELF.Machine, in.ELF.Type)
	}
	if in.BuildInfo != nil {
		fmt.Fprintf(tw, "go:\t%s\n", in.BuildInfo.GoVersion)
		for _, s := range in.BuildInfo.Settings {
			fmt.Fprintf(tw, "  %s\t%s\n", s.Key, s.Value)
		}
	}
	if in.PluginPath != "" {
		fmt.Fprintf(tw, "plugin path:\t%s\n", in.PluginPath)
	}
	if m := in.BuildRecord; m != nil {
		fmt.Fprintf(tw, "build record:\t%s, pluginapi %s, %s\n", m.Plugin, m.PluginAPIVersion, m.GoVersion)
		fmt.Fprintf(tw, "  kind\t%s\n", m.Kind)
		fmt.Fprintf(tw, "  flags\t%s\n", m.BuildFlagsFingerprint)
	}
	fmt.Fprintf(tw, "exports:\t%d (from %s)\n", len(in.Exports), in.ExportsSource)
	for _, e := range in.Exports {
		if e.Type == "" {
			fmt.Fprintf(tw, "  %s\t%s\n", e.Kind, e.Name)
		} else {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.Kind, e.Name, e.Type)
		}
	}
	if in.ExportsNote != "" {
		fmt.Fprintf(tw, "  note:\t%s\n", in.ExportsNote)
	}
	if in.Verdict.Compatible {
		fmt.Fprintf(tw, "verdict:\tcompatible\n")
	} else {
		fmt.Fprintf(tw, "verdict:\trefused\n")
	}
	for _, f := range in.Verdict.Findings {
		fmt.Fprintf(tw, "  %s\t%s\n", f.Code, strings.TrimSuffix(f.Message, "; "+f.Remedy))
		if f.Remedy != "" {
			fmt.Fprintf(tw, "  \tremedy: %s\n", f.Remedy)
		}
	}
	if in.Verdict.SignedBy != "" {
		fmt.Fprintf(tw, "  signed\tby trusted key %s\n", in.Verdict.SignedBy)
	}
	for _, n := range in.Verdict.Notes {
		fmt.Fprintf(tw, "  note\t%s\n", n)
	}
	tw.Flush()
}

// add is go-bind-plugin's README example: the adder kind's function and
// variable, bound as a func field and a pointer field.
func add(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("add", "add [--plugins=DIR] [--isolated] A B", stderr)
	dir := pluginsFlag(fs, "plugins", "folder holding an adder plugin, at any depth")
	mode := isolationFlags(fs)
	if err := parse(fs, args, 2); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return cli.UsageError("add takes two integers")
	}
	var operands [2]int
	for i := range operands {
		n, err := strconv.Atoi(fs.Arg(i))
		if err != nil {
			return cli.UsageError("%q is not an integer", fs.Arg(i))
		}
		operands[i] = n
	}
	var api *adder.Plugin
	if linked := loader.Static(adder.Kind); len(linked) > 0 {
		b, err := adder.Bind(linked[0])
		if err != nil {
			return err
		}
		api = b
	} else {
		found, err := findPlugins(*dir, adder.Kind)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return cli.UsageError("no adder plugin in %s (set --plugins)", *dir)
		}
		if mode.isolated {
			api, _, err = adderrpc.Load(newLoader(), loader.IsolatedPath(found[0].path), mode.options())
		} else {
			api, err = adder.Load(newLoader(), found[0].path)
		}
		if err != nil {
			return err
		}
	}
	var sum int
	if err := isolated.Catch(func() { sum = api.AddTwoInts(operands[0], operands[1]) }); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "%d (adder %s)\n", sum, *api.BuildVersion)
	return err
}

// reload loads plugin files in order, as a long-running host picks up new
// builds: a later build of a plugin takes its name over from an earlier one
// (loader.Reload). Each build of a go_plugin has its own plugin path, so a
// rebuilt plugin loads beside the old one instead of failing with "plugin
// already loaded".
func reload(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reload", "reload FILE...", stderr)
	if err := parse(fs, args, math.MaxInt); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return cli.UsageError("reload takes one or more plugin files")
	}
	l := newLoader()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tNAME\tPLUGIN PATH\tGREETING")
	var failed []error
	for _, path := range fs.Args() {
		path = userPath(path)
		p, err := l.Reload(path)
		if err != nil {
			failed = append(failed, err)
			fmt.Fprintf(tw, "%s\t-\t-\t%s: %v\n", path, loader.Code(err), err)
			continue
		}
		greeting := "-"
		if p.BuildRecord != nil && p.BuildRecord.Kind == greeter.Kind {
			var b strings.Builder
			if err := greetWith(&b, p); err == nil {
				greeting = strings.TrimSuffix(b.String(), "\n")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", path, p.Manifest.Name, p.PluginPath, greeting)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d plugins failed to load: %w", len(failed), fs.NArg(), errors.Join(failed...))
	}
	return nil
}
