// Package cli is the exit convention every plugkit command shares: status 0
// on success and for -help, 2 when the command line is wrong, 1 for any
// other failure, with the error printed once as "<command>: <error>". Scripts
// and CI tell a misuse from a failure by the status alone.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// ErrUsage marks an error as the caller's: a wrong flag, argument or value.
// Wrap it (fmt.Errorf("%w: ...", cli.ErrUsage)) and Exit exits 2.
var ErrUsage = errors.New("usage")

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
