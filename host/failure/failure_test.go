package failure

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTable(t *testing.T) {
	seen := map[string]string{}
	for _, e := range Table {
		assert.NotEmpty(t, e.Remedy, e.Code)
		assert.Contains(t, []string{"loader", "isolated"}, e.Package, e.Code)
		// A code names one failure per package; the loader and isolated
		// mode share checksum_mismatch, which means the same in both.
		key := e.Package + "/" + e.Code
		assert.Empty(t, seen[key], "duplicate code %s", key)
		seen[key] = e.Code
		assert.Equal(t, e.Code, Code(e.Err))
		assert.Equal(t, e.Code, Code(fmt.Errorf("wrapped: %w", e.Err)))
		assert.Equal(t, e.Remedy, Remedy(e.Err))
	}
	assert.Equal(t, "", Code(nil))
	assert.Equal(t, "", Code(errors.New("other")))
	assert.Equal(t, "", Remedy(errors.New("other")))
}

type refined struct{ error }

func (refined) Remedy() string  { return "the refined remedy" }
func (r refined) Unwrap() error { return r.error }

func TestRemedyPrefersTheError(t *testing.T) {
	err := fmt.Errorf("context: %w", refined{NotFound})
	assert.Equal(t, "the refined remedy", Remedy(err))
	assert.Equal(t, "not_found", Code(err))
	assert.Equal(t, RemedyOf(NotFound), Remedy(NotFound))
}

// TestTroubleshootingListsEveryCode: docs/troubleshooting.md has a row for
// every code, with this table's remedy, so the document cannot drift from
// the code. On a failure it prints the rows to paste.
func TestTroubleshootingListsEveryCode(t *testing.T) {
	path, err := runfiles.Rlocation(os.Getenv("TROUBLESHOOTING_MD"))
	require.NoError(t, err)
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	var want strings.Builder
	missing := false
	for _, e := range Table {
		row := fmt.Sprintf("| `%s` | %s | %s | %s |", e.Code, e.Package, e.Err, e.Remedy)
		fmt.Fprintln(&want, row)
		if !strings.Contains(string(doc), row) {
			missing = true
			t.Errorf("docs/troubleshooting.md lacks the row\n%s", row)
		}
	}
	if missing {
		t.Logf("the table's rows, in order:\n| code | from | error | remedy |\n|---|---|---|---|\n%s", want.String())
	}
}
