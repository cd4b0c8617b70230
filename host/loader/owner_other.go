//go:build !unix

package loader

import (
	"io/fs"
	"os"
)

// fileOwner reports no owner where there are no Unix uids; Go plugins do not
// run there anyway.
func fileOwner(fs.FileInfo) (int, bool) { return 0, false }

// openReadFlags: there is no O_NONBLOCK to give os.OpenFile here; the
// Stat before the open is the only guard against special files.
const openReadFlags = os.O_RDONLY

func setBlocking(*os.File) error { return nil }
