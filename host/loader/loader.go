package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"plugin"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
)

// Loader checks and opens plugins under one Config. Its methods are safe for
// concurrent use. Loaded plugins are recorded process-wide, not per Loader;
// see the package documentation.
type Loader struct {
	cfg Config
}

// New returns a Loader for cfg; empty fields of cfg take their defaults.
func New(cfg Config) *Loader {
	return &Loader{cfg: cfg.withDefaults()}
}

// Config returns the Loader's configuration with defaults filled in.
func (l *Loader) Config() Config { return l.cfg }

// Result is the outcome of loading one file of a folder: Plugin or Err.
type Result struct {
	Path   string
	Plugin *Plugin
	Err    error
}

// entry records one plugin the process has opened, or tried to open: its
// outcome is final, because Go cannot unload or retry it.
type entry struct {
	done   chan struct{} // closed when plugin and err are set
	plugin *Plugin
	err    error
	path   string
	sha256 string
	ppath  string
	hashes map[string]string // package fingerprints of the file
	// nameless is the plugin when it opened and checked out but its name
	// was taken; Reload may still give it the name.
	nameless *Plugin
}

// registry is process-wide because the runtime's record of loaded plugins
// is. Entries are found by the SHA-256 of the bytes opened (same bytes, same
// plugin) and by plugin path (the runtime's key).
var registry struct {
	mu     sync.Mutex
	bySHA  map[string]*entry
	byPath map[string]*entry // plugin path
	byName map[string]*entry // PluginManifest.Name, of loaded plugins
	// pkgHashes holds the package fingerprints of packages the host does
	// not link, from the plugins dlopen has mapped, first plugin first:
	// the dynamic linker resolves a later plugin's references to them, so
	// the runtime compares a later plugin's packages with these.
	pkgHashes map[string]string
}

// Load checks the plugin at path without running its code, then opens a
// private copy of the checked bytes and checks its identity.
//
// Loading bytes that are already loaded returns the same *Plugin, whatever
// the path, as plugin.Open does for a path it has opened. Loading other bytes
// with the plugin path of a loaded plugin fails with *AlreadyLoadedError,
// where plugin.Open would silently return the old code. A plugin that failed
// after plugin.Open was called (an init panic, an identity error) fails the
// same way on every later Load, without being opened again.
func (l *Loader) Load(path string) (*Plugin, error) {
	return l.load(path, false, nil)
}

// Reload loads a new build of a plugin: like Load, but when the plugin's
// name belongs to a loaded plugin with another plugin path, the new plugin
// takes the name over instead of failing with *IdentityError. The old build
// stays mapped (Go cannot unload it), and Plugin values already handed out
// keep working; Loaded lists the new one.
//
// go_plugin gives every build of a plugin its own plugin path, so a rebuilt
// plugin reloads; the same bytes again return the plugin already loaded, and
// other bytes under a plugin path already loaded still fail with
// *AlreadyLoadedError, because the runtime would return the old code.
func (l *Loader) Reload(path string) (*Plugin, error) {
	return l.load(path, true, nil)
}

// load is Load and Reload, and with a kind LoadKind and ReloadKind. Every
// check that needs no plugin code, the kind's included, runs before claim,
// so a plugin refused by one leaves no trace in the registry.
func (l *Loader) load(path string, supersede bool, kind *Kind) (*Plugin, error) {
	cfg := l.cfg
	var tm LoadTimings
	start := time.Now()
	st, err := stage(path, &cfg, true)
	if err != nil {
		return nil, err
	}
	defer st.close()
	tm.Stage = time.Since(start)
	start = time.Now()
	sc := readBuildRecord(path, cfg.SkipPermissionCheck)
	a := precheck(st, sc, &cfg, kind)
	if err := a.err(path); err != nil {
		return nil, err
	}
	tm.Check = time.Since(start)

	e, existing, err := claim(path, st.digest(), a.facts.PluginPath, a.facts.PkgHashes)
	if err != nil {
		return nil, err
	}
	if existing {
		<-e.done
		if supersede {
			return takeName(e)
		}
		return e.plugin, e.err
	}
	p := &Plugin{Path: path, PluginPath: a.facts.PluginPath, SHA256: st.digest(), Size: st.size, BuildRecord: sc.record}
	start = time.Now()
	pp, err := openPlugin(path, st.copy)
	tm.Open = time.Since(start)
	if err == nil {
		p.p = pp
		start = time.Now()
		err = identify(p, sc.record, cfg.PluginAPIVersion)
		tm.Identify = time.Since(start)
	}
	p.Timings = tm
	nameless := false
	if err == nil {
		err = registerName(e, p, supersede)
		nameless = err != nil
	}
	settle(e, p, err, nameless)
	return e.plugin, e.err
}

// takeName answers Reload for bytes already loaded. A plugin refused only
// because its name was taken is open and sound, so it gets the name now;
// any other outcome stands.
func takeName(e *entry) (*Plugin, error) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if e.nameless == nil {
		return e.plugin, e.err
	}
	registry.byName[e.nameless.Manifest.Name] = e
	e.plugin, e.err, e.nameless = e.nameless, nil, nil
	return e.plugin, nil
}

// claim finds the entry for these bytes, or creates one that the caller
// must settle. It refuses other bytes under a plugin path already taken.
func claim(path, sum, ppath string, hashes map[string]string) (e *entry, existing bool, err error) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.bySHA == nil {
		registry.bySHA = map[string]*entry{}
		registry.byPath = map[string]*entry{}
		registry.byName = map[string]*entry{}
		registry.pkgHashes = map[string]string{}
	}
	if e := registry.bySHA[sum]; e != nil {
		return e, true, nil
	}
	if ppath != "" {
		if e := registry.byPath[ppath]; e != nil {
			return nil, false, &AlreadyLoadedError{Path: path, PluginPath: ppath, LoadedFrom: e.path, LoadedSHA256: e.sha256, GotSHA256: sum}
		}
	}
	if pkgs := differingPackages(hashes, hashMap(registry.pkgHashes)); len(pkgs) > 0 {
		return nil, false, &PackageMismatchError{Path: path, Package: pkgs[0], Others: pkgs[1:], LoadedPlugins: true}
	}
	e = &entry{done: make(chan struct{}), path: path, sha256: sum, ppath: ppath, hashes: hashes}
	registry.bySHA[sum] = e
	if ppath != "" {
		registry.byPath[ppath] = e
	}
	return e, false, nil
}

// registerName keeps plugin names unique, as a registry of plugins must;
// with supersede, a new build takes its name over from the old one.
func registerName(e *entry, p *Plugin, supersede bool) error {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if other := registry.byName[p.Manifest.Name]; other != nil && !supersede {
		return &IdentityError{Plugin: p.Path, Name: p.Manifest.Name, Reason: "already used by the plugin loaded from " + other.path}
	}
	registry.byName[p.Manifest.Name] = e
	return nil
}

// settle records the outcome of an open. An *OpenError means dlopen itself
// failed and nothing entered the process, so the entry is dropped and a
// later Load may try again; every other outcome is final.
func settle(e *entry, p *Plugin, err error, nameless bool) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if nameless {
		e.nameless = p
	}
	if err != nil {
		p = nil
	}
	e.plugin, e.err = p, err
	var oe *OpenError
	if errors.As(err, &oe) {
		delete(registry.bySHA, e.sha256)
		if e.ppath != "" && registry.byPath[e.ppath] == e {
			delete(registry.byPath, e.ppath)
		}
	} else {
		// Mapped for good, whatever happened next: its symbols now take
		// part in the dynamic linking of later plugins.
		host := hostPkgHashes()
		for pkg, h := range e.hashes {
			inHost := false
			if host != nil {
				_, inHost = host.Hash(pkg)
			}
			if !inHost {
				if _, seen := registry.pkgHashes[pkg]; !seen {
					registry.pkgHashes[pkg] = h
				}
			}
		}
	}
	close(e.done)
}

// differingPackages lists, sorted, the packages whose fingerprint in
// plugin differs from the one in loaded.
func differingPackages(plugin map[string]string, loaded pkgHashes) []string {
	var out []string
	for pkg, h := range plugin {
		if lh, ok := loaded.Hash(pkg); ok && lh != h {
			out = append(out, pkg)
		}
	}
	sort.Strings(out)
	return out
}

// openPlugin calls plugin.Open on the private copy and turns its string
// errors and init panics into typed errors named after the original path.
func openPlugin(path, copy string) (p *plugin.Plugin, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, &InitPanicError{Path: path, Value: v, Stack: debug.Stack()}
		}
	}()
	p, err = plugin.Open(copy)
	if err != nil {
		return nil, classifyOpenError(path, err)
	}
	return p, nil
}

// Phrases of the runtime's plugin.Open errors (runtime/plugin.go). They are
// not an API; an unrecognised message becomes an *OpenError.
const (
	pkgMismatchPhrase   = "plugin was built with a different version of package "
	alreadyLoadedPhrase = "plugin already loaded"
)

// classifyOpenError is the last line of defence: the pre-open check should
// have caught these, so reaching it means the check missed a case.
func classifyOpenError(path string, err error) error {
	msg := err.Error()
	if _, pkg, ok := strings.Cut(msg, pkgMismatchPhrase); ok {
		pkg, _, _ = strings.Cut(pkg, " ")
		return &PackageMismatchError{Path: path, Package: strings.TrimSpace(pkg), Err: err}
	}
	if strings.Contains(msg, alreadyLoadedPhrase) {
		return &AlreadyLoadedError{Path: path, Err: err}
	}
	return &OpenError{Path: path, Err: err}
}

// LoadDir loads every *.so file in dir in sorted order, so that plugin
// init functions run in the same order on every start. A failing plugin
// does not stop the others: there is one Result per file, one that is not
// a regular file (a named pipe, say) included. The error is only for dir
// itself (missing, unreadable, unsafe permissions).
func (l *Loader) LoadDir(dir string) ([]Result, error) {
	paths, err := listPlugins(dir, l.cfg.SkipPermissionCheck)
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(paths))
	for _, p := range paths {
		pl, err := l.Load(p)
		results = append(results, Result{Path: p, Plugin: pl, Err: err})
	}
	return results, nil
}

// listPlugins returns the sorted paths of the *.so files in dir.
func listPlugins(dir string, skipPermissions bool) ([]string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, &FileError{Path: dir, Kind: ErrNotFound, Err: err}
	}
	if !fi.IsDir() {
		return nil, &FileError{Path: dir, Kind: ErrNotFound, Err: fmt.Errorf("not a folder (mode %v)", fi.Mode())}
	}
	if !skipPermissions {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil, &FileError{Path: dir, Kind: ErrNotFound, Err: err}
		}
		if err := checkOwnerAndMode(dir, real, fi, true); err != nil {
			return nil, err
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, &FileError{Path: dir, Kind: ErrNotFound, Err: err}
	}
	var paths []string
	for _, e := range ents {
		// Symlinks count: Bazel's runfiles are symlinks. Folders do not.
		// Named pipes, sockets and devices do, like symlinks to folders:
		// Load refuses them with ErrNotRegular without opening them, so
		// they are reported rather than skipped, and never block.
		if !strings.HasSuffix(e.Name(), ".so") || e.Type()&fs.ModeDir != 0 {
			continue
		}
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	sort.Strings(paths)
	return paths, nil
}

// Errors returns the errors of results, joined, or nil if all loaded.
func Errors(results []Result) error {
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}

// Loaded returns every plugin loaded in the process, sorted by name.
func Loaded() []*Plugin {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	out := make([]*Plugin, 0, len(registry.byName))
	for _, e := range registry.byName {
		// An entry is named just before it is settled; skip that moment.
		if e.plugin != nil {
			out = append(out, e.plugin)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Manifest.Name < out[j].Manifest.Name })
	return out
}
