package loader

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"example.com/plugkit/internal/buildrecord"
)

// BuildRecordPath returns the build record the loader reads for the
// plugin (.so or executable) at path: buildrecord.PathFor(path), the name
// the build writes, or, for one release, the record of the old name
// (<path>.manifest.json) when only that exists. See buildrecord.Locate.
func BuildRecordPath(path string) string {
	p, _ := buildrecord.Locate(path)
	return p
}

// legacyNote says that the record of the plugin at path was read from its
// old name, and what to do before that name stops being read.
func legacyNote(path, record string) string {
	return fmt.Sprintf("build record read from the old name %s: the loader reads <plugin>.manifest.json for one more release only; rebuild the plugin, or rename the file to %s (and a signature beside it to %s)",
		record, buildrecord.PathFor(path), buildrecord.PathFor(path)+SignatureSuffix)
}

// sidecar is a plugin's build record as read: parsed, its exact bytes
// (which a signature covers), the file it was read from, or the error
// reading it.
type sidecar struct {
	record *buildrecord.Record
	raw    []byte
	// path is the record's file; legacy tells it is of the old name.
	path   string
	legacy bool
	err    error
}

// readBuildRecord reads the build record of the plugin at path (see
// BuildRecordPath). A missing file is a *BuildRecordError with Kind
// ErrBuildRecordMissing, one that is not a regular file Kind ErrNotRegular
// (refused before it is opened, as plugin files are: a named pipe there
// would block the read forever), anything else wrong with it Kind
// ErrBuildRecordInvalid, a file larger than buildrecord.MaxSize included.
// The file must pass the same permission check as plugins unless
// skipPermissions is set, because it vouches for the plugin's checksum.
func readBuildRecord(path string, skipPermissions bool) sidecar {
	record, legacy := buildrecord.Locate(path)
	sc := sidecar{path: record, legacy: legacy}
	data, err := readSidecar(record, buildrecord.MaxSize, skipPermissions)
	var nr *notRegularError
	var pe *PermissionError
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		sc.err = &BuildRecordError{Path: record, Kind: ErrBuildRecordMissing}
		return sc
	case errors.As(err, &nr):
		sc.err = &BuildRecordError{Path: record, Kind: ErrNotRegular, Err: err}
		return sc
	case errors.As(err, &pe):
		sc.err = err
		return sc
	default:
		sc.err = &BuildRecordError{Path: record, Kind: ErrBuildRecordInvalid, Err: err}
		return sc
	}
	r, err := buildrecord.Parse(data)
	if err != nil {
		sc.err = &BuildRecordError{Path: record, Kind: ErrBuildRecordInvalid, Err: err}
		return sc
	}
	sc.record, sc.raw = r, data
	return sc
}

// readSidecar reads a small file that vouches for a plugin (its build
// record, the record's signature) with the plugin file's care: never
// opening what is not a regular file, checking permissions unless skipped,
// noticing a swap between the check and the open, and reading at most
// limit bytes even if the file grows. Its errors wrap fs.ErrNotExist, or are
// a *notRegularError or *PermissionError, or say what else went wrong.
func readSidecar(path string, limit int64, skipPermissions bool) ([]byte, error) {
	checked, err := statRegular(path)
	if err != nil {
		if !skipPermissions && errors.Is(err, fs.ErrPermission) {
			return nil, &PermissionError{Path: path, Reason: "is not accessible to the host: " + err.Error()}
		}
		return nil, err
	}
	if !skipPermissions {
		if err := checkPermissions(path, checked); err != nil {
			var fe *FileError
			if errors.As(err, &fe) && errors.Is(err, ErrNotFound) {
				return nil, fs.ErrNotExist // gone between the stat and the check
			}
			return nil, err
		}
	}
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !skipPermissions && !os.SameFile(checked, fi) {
		return nil, &PermissionError{Path: path, Reason: "was replaced while it was being checked"}
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%d bytes, larger than the limit of %d bytes", fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("grew past the limit of %d bytes while being read", limit)
	}
	return data, err
}

// ReadBuildRecord reads and validates the build record of the plugin (.so
// or executable) at path, with the permission check the loader applies,
// from the file BuildRecordPath names. It never blocks on the file: one
// that is not a regular file is refused with ErrNotRegular before it is
// opened, so a caller may read the records of every *.so in a folder, as
// the host does to find plugins of a kind. See readBuildRecord.
func ReadBuildRecord(path string) (*buildrecord.Record, error) {
	sc := readBuildRecord(path, false)
	return sc.record, sc.err
}
