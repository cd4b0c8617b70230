package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReport(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
		out  string
	}{
		{"success", nil, 0, ""},
		{"help", fmt.Errorf("parse: %w", flag.ErrHelp), 0, ""},
		{"usage", fmt.Errorf("%w: unknown command %q", ErrUsage, "x"), 2, "tool: usage: unknown command \"x\"\n"},
		{"failure", errors.New("boom"), 1, "tool: boom\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w bytes.Buffer
			assert.Equal(t, tc.code, Report(&w, "tool", tc.err))
			assert.Equal(t, tc.out, w.String())
		})
	}
}

func TestUsageError(t *testing.T) {
	err := UsageError("--level=%q: want %s", "loud", "log or warn")
	assert.ErrorIs(t, err, ErrUsage)
	assert.Equal(t, `usage: --level="loud": want log or warn`, err.Error())
	assert.Equal(t, 2, Status(err))

	cause := errors.New("no such file")
	err = UsageError("--trust: %w", cause)
	assert.ErrorIs(t, err, ErrUsage)
	assert.ErrorIs(t, err, cause, "%w wraps the cause too")
	assert.Equal(t, "usage: --trust: no such file", err.Error())
}

func TestNewFlagSetAndParse(t *testing.T) {
	newFS := func(stderr *bytes.Buffer) (*flag.FlagSet, *string) {
		fs := NewFlagSet("greet", "usage: tool greet [--lang=LANG]\n\nflags:\n", stderr)
		return fs, fs.String("lang", "english", "the `language`")
	}

	t.Run("flags", func(t *testing.T) {
		var stderr bytes.Buffer
		fs, lang := newFS(&stderr)
		require.NoError(t, Parse(fs, []string{"--lang=chinese", "extra"}))
		assert.Equal(t, "chinese", *lang)
		assert.Equal(t, []string{"extra"}, fs.Args())
		assert.Empty(t, stderr.String())
	})

	t.Run("help", func(t *testing.T) {
		for _, arg := range []string{"-h", "-help", "--help"} {
			var stderr bytes.Buffer
			fs, _ := newFS(&stderr)
			err := Parse(fs, []string{arg})
			assert.ErrorIs(t, err, flag.ErrHelp, arg)
			assert.Equal(t, 0, Status(err), arg)
			assert.Equal(t, "usage: tool greet [--lang=LANG]\n\nflags:\n  -lang language\n    \tthe language (default \"english\")\n", stderr.String(), arg)
		}
	})

	t.Run("bad flag", func(t *testing.T) {
		var stderr bytes.Buffer
		fs, _ := newFS(&stderr)
		err := Parse(fs, []string{"--nope"})
		assert.ErrorIs(t, err, ErrUsage)
		assert.NotErrorIs(t, err, flag.ErrHelp)
		assert.Equal(t, "usage: flag provided but not defined: -nope", err.Error())
		assert.Equal(t, 2, Status(err))
		// The flag package names the flag, then the usage follows.
		assert.True(t, strings.HasPrefix(stderr.String(), "flag provided but not defined: -nope\nusage: tool greet"), stderr.String())
	})
}

func TestDispatch(t *testing.T) {
	var ran []string
	cmds := []Command{
		{"greet", "print a greeting", func(args []string) error {
			ran = append(ran, "greet "+strings.Join(args, " "))
			return nil
		}},
		{"inspect", "describe a plugin", func(args []string) error { return errors.New("boom") }},
	}
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: tool <command>")
		WriteCommands(w, cmds)
	}
	const usageText = "usage: tool <command>\n  greet    print a greeting\n  inspect  describe a plugin\n"

	for _, tc := range []struct {
		name           string
		args           []string
		err            string // "" for none
		code           int
		stdout, stderr string
		ran            []string
	}{
		{"runs the command with the rest", []string{"greet", "--lang=x", "y"}, "", 0, "", "", []string{"greet --lang=x y"}},
		{"the command's error", []string{"inspect"}, "boom", 1, "", "", nil},
		{"no command", nil, "usage: no command given", 2, "", usageText, nil},
		{"unknown command", []string{"frobnicate"}, `usage: unknown command "frobnicate"`, 2, "", usageText, nil},
		{"flags are not commands", []string{"--lang=x"}, `usage: unknown command "--lang=x"`, 2, "", usageText, nil},
		{"-h", []string{"-h"}, "", 0, usageText, "", nil},
		{"-help", []string{"-help", "greet"}, "", 0, usageText, "", nil},
		{"--help", []string{"--help"}, "", 0, usageText, "", nil},
		{"help", []string{"help"}, "", 0, usageText, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran = nil
			var stdout, stderr bytes.Buffer
			err := Dispatch(tc.args, cmds, usage, &stdout, &stderr)
			if tc.err == "" {
				assert.NoError(t, err)
			} else {
				assert.EqualError(t, err, tc.err)
			}
			assert.Equal(t, tc.code, Status(err))
			assert.Equal(t, tc.stdout, stdout.String(), "help goes where the caller says")
			assert.Equal(t, tc.stderr, stderr.String())
			assert.Equal(t, tc.ran, ran)
		})
	}
}
