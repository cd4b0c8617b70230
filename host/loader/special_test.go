//go:build unix

package loader

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
)

// hangGuard bounds how long a call on a special file may take. It guards
// against a hang (opening a named pipe for reading blocks until a writer
// comes, which in these tests is never); it is not a timing assertion.
const hangGuard = 5 * time.Second

// within runs call in a goroutine and fails the test at once if it has not
// returned within hangGuard. A call that hangs stays blocked in its
// goroutine, which the test process cannot end; the failure names the call.
func within[T any](t *testing.T, what string, call func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := call()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(hangGuard):
		t.Fatalf("%s has not returned after %v: it blocks on a special file", what, hangGuard)
		panic("unreachable")
	}
}

// assertNotRegular checks that err is the refusal of a file that is not a
// regular file, typed as want (a **FileError or **BuildRecordError).
func assertNotRegular(t *testing.T, err error, path string, want any) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotRegular)
	assert.Equal(t, "not_regular", Code(err))
	assert.ErrorAs(t, err, want)
	assert.Contains(t, err.Error(), path, "the message names the file")
	assert.Contains(t, err.Error(), "replace it with the plugin file (or its build record) that the build wrote")
	// One sentinel per error: it is not also a missing file, an unsafe one
	// (a device is writable by all) or a non-ELF one.
	for _, other := range []error{ErrNotFound, ErrUnsafePermissions, ErrNotELF, ErrBuildRecordMissing, ErrBuildRecordInvalid} {
		assert.NotErrorIs(t, err, other)
	}
}

// mkfifo makes a named pipe at path.
func mkfifo(t *testing.T, path string) string {
	t.Helper()
	require.NoError(t, syscall.Mkfifo(path, 0o644))
	return path
}

// listenUnix makes a Unix socket named file in dir, or in a shorter
// temporary folder when dir's path is too long for a socket address (as
// under Bazel's TEST_TMPDIR), and returns its path.
func listenUnix(t *testing.T, dir, file string) string {
	t.Helper()
	path := filepath.Join(dir, file)
	if len(path) >= 100 { // sun_path is 104 or 108 bytes
		short, err := os.MkdirTemp("/tmp", "pk")
		if err != nil {
			t.Skipf("no short folder for a Unix socket: %v", err)
		}
		require.NoError(t, os.Chmod(short, 0o755))
		t.Cleanup(func() { os.RemoveAll(short) })
		path = filepath.Join(short, file)
	}
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	return path
}

// devNull links file in dir to /dev/null, a character device that is
// readable, never blocks, and is writable by all.
func devNull(t *testing.T, dir, file string) string {
	t.Helper()
	fi, err := os.Stat("/dev/null")
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Skip("no /dev/null character device")
	}
	path := filepath.Join(dir, file)
	require.NoError(t, os.Symlink("/dev/null", path))
	return path
}

// specialFiles makes, in dir, one file named name of each sort that is not
// a regular file, and returns their paths by sort.
func specialFiles(t *testing.T, dir, name string) map[string]string {
	t.Helper()
	target := t.TempDir()
	fifoTarget := mkfifo(t, filepath.Join(target, "pipe"))
	return map[string]string{
		"named pipe": func() string {
			sub := filepath.Join(dir, "fifo")
			require.NoError(t, os.Mkdir(sub, 0o755))
			return mkfifo(t, filepath.Join(sub, name))
		}(),
		"unix socket": func() string {
			sub := filepath.Join(dir, "sock")
			require.NoError(t, os.Mkdir(sub, 0o755))
			return listenUnix(t, sub, name)
		}(),
		"symlink to a named pipe": func() string {
			sub := filepath.Join(dir, "fifolink")
			require.NoError(t, os.Mkdir(sub, 0o755))
			p := filepath.Join(sub, name)
			require.NoError(t, os.Symlink(fifoTarget, p))
			return p
		}(),
		"folder": func() string {
			sub := filepath.Join(dir, "folder")
			require.NoError(t, os.Mkdir(sub, 0o755))
			p := filepath.Join(sub, name)
			require.NoError(t, os.Mkdir(p, 0o755))
			return p
		}(),
		"symlink to a folder": func() string {
			sub := filepath.Join(dir, "folderlink")
			require.NoError(t, os.Mkdir(sub, 0o755))
			p := filepath.Join(sub, name)
			require.NoError(t, os.Symlink(target, p))
			return p
		}(),
		"symlink to /dev/null": func() string {
			sub := filepath.Join(dir, "null")
			require.NoError(t, os.Mkdir(sub, 0o755))
			return devNull(t, sub, name)
		}(),
	}
}

// TestPluginNotRegular checks every entry point that reads a plugin file
// on files that are not regular files: each is refused at once with
// ErrNotRegular, with and without the permission check, and none is
// opened for reading (a named pipe would block the open forever).
func TestPluginNotRegular(t *testing.T) {
	greeter := Kind{Name: "greeter", Symbols: []KindSymbol{{Name: "Greeter"}}}
	for sort, path := range specialFiles(t, t.TempDir(), "x.so") {
		for _, skip := range []bool{false, true} {
			name := sort
			if skip {
				name += ", permission check skipped"
			}
			t.Run(name, func(t *testing.T) {
				cfg := testConfig()
				cfg.SkipPermissionCheck = skip
				l := New(cfg)
				var fe *FileError

				_, err := within(t, "Load", func() (*Plugin, error) { return l.Load(path) })
				assertNotRegular(t, err, path, &fe)
				t.Log(err)
				_, err = within(t, "LoadKind", func() (*Plugin, error) { return l.LoadKind(path, greeter) })
				assertNotRegular(t, err, path, &fe)
				_, err = within(t, "Reload", func() (*Plugin, error) { return l.Reload(path) })
				assertNotRegular(t, err, path, &fe)
				_, err = within(t, "Precheck", func() (struct{}, error) { return struct{}{}, l.Precheck(path) })
				assertNotRegular(t, err, path, &fe)
				// Inspect cannot describe what it does not read: the
				// refusal is its error, as `host list` prints it.
				in, err := within(t, "Inspect", func() (*Inspection, error) { return l.Inspect(path) })
				assertNotRegular(t, err, path, &fe)
				assert.Nil(t, in)
				// The build tools' reader of plugins refuses it too.
				_, err = within(t, "buildrecord.New", func() (*buildrecord.Record, error) {
					return buildrecord.New(path, "x", "", "go1.26.8", buildrecord.FlagsFingerprint(nil), "1.0.0", nil)
				})
				assert.ErrorIs(t, err, buildrecord.ErrNotRegular)
				assert.Contains(t, err.Error(), path+": ")
			})
		}
	}
}

// TestLoadDirNotRegular checks that LoadDir reports the special *.so files
// of a folder, next to a plugin that loads, instead of blocking on them.
func TestLoadDirNotRegular(t *testing.T) {
	dir := t.TempDir()
	good := copyFixture(t, "good", dir, "b_good.so")
	fifo := mkfifo(t, filepath.Join(dir, "a_fifo.so"))
	link := filepath.Join(dir, "c_link.so")
	require.NoError(t, os.Symlink(mkfifo(t, filepath.Join(t.TempDir(), "pipe")), link))
	null := devNull(t, dir, "d_null.so")
	// A folder named *.so is no plugin file, and is not listed.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "e_folder.so"), 0o755))

	results, err := within(t, "LoadDir", func() ([]Result, error) { return New(testConfig()).LoadDir(dir) })
	require.NoError(t, err)
	require.Len(t, results, 4)
	var fe *FileError
	for i, want := range []string{fifo, good, link, null} {
		assert.Equal(t, want, results[i].Path)
		if want == good {
			assert.NoError(t, results[i].Err)
			continue
		}
		assertNotRegular(t, results[i].Err, want, &fe)
	}
}

// TestBuildRecordNotRegular puts a special file where a good plugin's build
// record belongs. Load, ReadBuildRecord (which the host calls on every
// *.so it finds) and Inspect must refuse it at once and say it is the
// record, not the plugin, that is wrong.
func TestBuildRecordNotRegular(t *testing.T) {
	base := t.TempDir()
	records := specialFiles(t, base, "good.so"+buildrecord.Suffix)
	for sort, record := range records {
		// The plugin goes next to the record's real path, which for a
		// socket may be another folder than the one asked for.
		so := copyFixture(t, "good", filepath.Dir(record), "good.so")
		require.Equal(t, record, BuildRecordPath(so))
		for _, skip := range []bool{false, true} {
			name := sort
			if skip {
				name += ", permission check skipped"
			}
			t.Run(name, func(t *testing.T) {
				cfg := testConfig()
				cfg.SkipPermissionCheck = skip
				l := New(cfg)
				var me *BuildRecordError

				_, err := within(t, "readBuildRecord", func() (*buildrecord.Record, error) {
					sc := readBuildRecord(so, skip)
					return sc.record, sc.err
				})
				assertNotRegular(t, err, record, &me)
				assert.Contains(t, err.Error(), "build record is not a regular file")
				t.Log(err)

				_, err = within(t, "Load", func() (*Plugin, error) { return l.Load(so) })
				assertNotRegular(t, err, record, &me)
				assert.Contains(t, err.Error(), "build record")
				_, err = within(t, "Reload", func() (*Plugin, error) { return l.Reload(so) })
				assertNotRegular(t, err, record, &me)

				// The plugin itself is readable, so Inspect describes it
				// and reports the record as its problem.
				in, err := within(t, "Inspect", func() (*Inspection, error) { return l.Inspect(so) })
				require.NoError(t, err)
				assert.False(t, in.Verdict.Compatible)
				require.Len(t, in.Verdict.Findings, 1)
				assert.Equal(t, "not_regular", in.Verdict.Findings[0].Code)
				assert.Contains(t, in.Verdict.Findings[0].Message, record)
				assert.Nil(t, in.BuildRecord)
				assert.NotNil(t, in.ELF, "the plugin is still described")
			})
		}
		_, err := within(t, "ReadBuildRecord", func() (*buildrecord.Record, error) { return ReadBuildRecord(so) })
		assertNotRegular(t, err, record, new(*BuildRecordError))
	}
}

// TestOpenRegularRefusesSwappedFile stands for the race statRegular cannot
// close: a named pipe swapped in after the Stat. openRegular must neither
// block on it nor return it.
func TestOpenRegularRefusesSwappedFile(t *testing.T) {
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "x.so"))
	f, err := within(t, "openRegular", func() (*os.File, error) {
		f, _, err := openRegular(fifo)
		return f, err
	})
	assert.Nil(t, f)
	var nr *notRegularError
	require.ErrorAs(t, err, &nr)
	assert.Contains(t, err.Error(), "replaced by a named pipe (FIFO)")
	assert.Equal(t, &FileError{Path: fifo, Kind: ErrNotRegular, Err: err}, pluginFileError(fifo, err, true))
}

// TestBuildRecordTooLarge checks that a build record past
// buildrecord.MaxSize is refused as invalid, saying the limit, without
// being read whole. A sparse file stands for one that is large on disk.
func TestBuildRecordTooLarge(t *testing.T) {
	dir := t.TempDir()
	so := copyFixture(t, "good", dir, "good.so")
	record := buildrecord.PathFor(so)
	f, err := os.OpenFile(record, os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(buildrecord.MaxSize+1))
	require.NoError(t, f.Close())

	check := func(t *testing.T, err error) {
		t.Helper()
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrBuildRecordInvalid)
		assert.Equal(t, "build_record_invalid", Code(err))
		assert.ErrorAs(t, err, new(*BuildRecordError))
		assert.Contains(t, err.Error(), "larger than the limit of 1048576 bytes")
	}
	_, err = within(t, "ReadBuildRecord", func() (*buildrecord.Record, error) { return ReadBuildRecord(so) })
	check(t, err)
	_, err = within(t, "Load", func() (*Plugin, error) { return New(testConfig()).Load(so) })
	check(t, err)
	in, err := within(t, "Inspect", func() (*Inspection, error) { return New(testConfig()).Inspect(so) })
	require.NoError(t, err)
	require.Len(t, in.Verdict.Findings, 1)
	assert.Equal(t, "build_record_invalid", in.Verdict.Findings[0].Code)

	// At the limit, the size is fine and the content is what is wrong.
	require.NoError(t, os.Truncate(record, buildrecord.MaxSize))
	_, err = ReadBuildRecord(so)
	assert.ErrorIs(t, err, ErrBuildRecordInvalid)
	assert.NotContains(t, err.Error(), "limit")
}

// TestPluginTooLarge checks Config.MaxSize on a plugin file, for Load and
// Inspect alike.
func TestPluginTooLarge(t *testing.T) {
	so := copyFixture(t, "good", t.TempDir(), "good.so")
	cfg := testConfig()
	cfg.MaxSize = 4096
	_, err := New(cfg).Load(so)
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Equal(t, "too_large", Code(err))
	assert.Contains(t, err.Error(), "limit 4096")
	_, err = New(cfg).Inspect(so)
	assert.ErrorIs(t, err, ErrTooLarge)
}
