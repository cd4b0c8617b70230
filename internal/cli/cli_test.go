package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
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
