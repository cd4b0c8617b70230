// Package cli is what every plugkit command shares about its command line:
// the exit convention (status 0 on success and for -help, 2 when the
// command line is wrong, 1 for any other failure, with the error printed
// once as "<command>: <error>"), flag sets that hand their errors back
// instead of exiting, and the dispatch of subcommands. Scripts and CI tell a
// misuse from a failure by the status alone.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// ErrUsage marks an error as the caller's: a wrong flag, argument or value.
// Wrap it (UsageError, or fmt.Errorf("%w: ...", cli.ErrUsage)) and Exit
// exits 2.
var ErrUsage = errors.New("usage")

// UsageError is a usage error: "usage: " and the message, wrapping
// ErrUsage. The format may use %w to wrap a cause as well.
func UsageError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, args...)...)
}

// Status is the exit status for err under the convention.
func Status(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	default:
		return 1
	}
}

// Report prints err as "<name>: <err>" to w, unless Status(err) is 0, and
// returns Status(err).
func Report(w io.Writer, name string, err error) int {
	code := Status(err)
	if code != 0 {
		fmt.Fprintf(w, "%s: %v\n", name, err)
	}
	return code
}

// Exit ends the command named name with the outcome of its run function.
func Exit(name string, err error) {
	os.Exit(Report(os.Stderr, name, err))
}

// NewFlagSet returns a flag set that hands its errors back instead of
// exiting, so that a command's run function, and its tests, see every
// outcome. Its messages go to stderr, and -help (or a flag error) prints
// usage there followed by the flags' defaults; usage is the whole text
// before them, so it ends with a heading such as "flags:\n". A command whose
// usage depends on its flags' values replaces fs.Usage.
func NewFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args with fs. -help comes back as flag.ErrHelp, which Status
// counts a success; any other error is a usage error. The flag package has
// already printed the error and the usage by then.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return UsageError("%v", err)
	}
	return nil
}

// Command is one subcommand of a command that has several.
type Command struct {
	// Name is what selects it: the first argument.
	Name string
	// Summary is one line for the command's usage (WriteCommands).
	Summary string
	// Run runs it with the arguments after its name.
	Run func(args []string) error
}

// helpArgs ask for the usage instead of naming a subcommand: the spellings
// the flag package accepts, and the go tool's "help".
var helpArgs = map[string]bool{"-h": true, "-help": true, "--help": true, "help": true}

// Dispatch runs the subcommand of cmds that args[0] names with the rest of
// args. usage prints the command's usage: to help, with a nil error, when
// args[0] asks for it (-h, -help, --help or help); to stderr, with a usage
// error, when args is empty or names no subcommand.
func Dispatch(args []string, cmds []Command, usage func(w io.Writer), help, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return UsageError("no command given")
	}
	if helpArgs[args[0]] {
		usage(help)
		return nil
	}
	for _, c := range cmds {
		if c.Name == args[0] {
			return c.Run(args[1:])
		}
	}
	usage(stderr)
	return UsageError("unknown command %q", args[0])
}

// WriteCommands lists cmds for a usage text, a name and its summary a line,
// the summaries aligned two spaces after the longest name.
func WriteCommands(w io.Writer, cmds []Command) {
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.Name)+1)
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.Name, c.Summary)
	}
}
