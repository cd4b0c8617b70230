package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadAllowlist(t *testing.T) {
	sum := strings.Repeat("0f", 32)
	p := filepath.Join(t.TempDir(), "allow.txt")
	require.NoError(t, os.WriteFile(p, []byte("# trusted builds\n\n"+strings.ToUpper(sum)+"  *english.so\n"), 0o644))
	got, err := ReadAllowlist(p)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{sum: "english.so"}, got)

	require.NoError(t, os.WriteFile(p, []byte("nothex  x.so\n"), 0o644))
	_, err = ReadAllowlist(p)
	assert.ErrorContains(t, err, "allow.txt:1")
}

func TestCodeCoversEverySentinel(t *testing.T) {
	for _, err := range []error{ErrNotFound, ErrUnsafePermissions, ErrTooLarge, ErrNotRegular, ErrNotExecutable,
		ErrNotELF, ErrWrongArch, ErrNotGoPlugin, ErrToolchainMismatch, ErrBuildFlagsMismatch, ErrSharedDepMismatch,
		ErrPackageMismatch, ErrBuildRecordMissing, ErrBuildRecordInvalid, ErrChecksumMismatch, ErrNotAllowlisted,
		ErrAlreadyLoaded, ErrInitPanic, ErrOpen, ErrSymbolMissing, ErrSymbolType, ErrWrongKind, ErrAPIVersion,
		ErrIdentity, ErrUnsigned, ErrUnknownKey, ErrBadSignature} {
		assert.NotEqual(t, "unknown", Code(err), "%v", err)
		assert.NotEmpty(t, Remedy(err), "%v", err)
	}
	assert.Equal(t, "", Code(nil))
	assert.Equal(t, "unknown", Code(os.ErrClosed))
}
