package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"example.com/plugkit/host/isolated"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/cli"
	"example.com/plugkit/pluginapi"
	"example.com/plugkit/pluginapi/kinds/greeter"
	"example.com/plugkit/pluginapi/kinds/greeterrpc"
	"example.com/plugkit/pluginapi/kinds/logger"
	"example.com/plugkit/pluginapi/kinds/loggerrpc"
)

// serveCmd is `host serve`: a long-running host over HTTP, which reloads
// plugins as new builds land in its folder.
func serveCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [--listen=ADDR] [--plugins=DIR] [--isolated] [--isolate=NAME,...] [--max-generations=N] [--poll=D] [--drain=D]", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve HTTP on; port 0 picks a free one (the first line printed says which)")
	dir := pluginsFlag(fs, "plugins", "folder whose greeter and logger plugins, at any depth, the service runs and watches")
	mode := isolationFlags(fs)
	isolate := fs.String("isolate", "", "comma-separated plugin names (greeter/english, ...) to run isolated, whatever --isolated says")
	maxGen := fs.Int("max-generations", 8, "how many builds of one plugin an in-process reload may map into the process; Go cannot unmap one")
	poll := fs.Duration("poll", 500*time.Millisecond, "how often to look for new builds in the folder")
	drain := fs.Duration("drain", 10*time.Second, "on SIGTERM or SIGINT, how long requests in flight may take to finish")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *maxGen < 1 || *poll <= 0 || *drain <= 0 {
		return cli.UsageError("--max-generations, --poll and --drain must be positive")
	}
	svc := &service{
		dir:      userPath(*dir),
		loader:   newLoader(),
		isolated: map[string]bool{},
		all:      mode.isolated,
		opts:     mode.options(),
		maxGen:   *maxGen,
		plugins:  map[string]*entry{},
		log:      stderr,
	}
	for _, n := range strings.Split(*isolate, ",") {
		if n = strings.TrimSpace(n); n != "" {
			svc.isolated[n] = true
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	svc.scan(true)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		svc.close()
		return err
	}
	fmt.Fprintf(stdout, "host serve: listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: svc.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	go svc.watch(ctx, *poll)

	select {
	case err = <-served:
	case <-ctx.Done():
		// Stop accepting, let requests in flight finish, then stop every
		// plugin process.
		shutdown, cancel := context.WithTimeout(context.Background(), *drain)
		err = srv.Shutdown(shutdown)
		cancel()
		if err != nil {
			err = fmt.Errorf("requests still in flight after --drain=%v: %w", *drain, err)
		}
	}
	svc.close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	fmt.Fprintln(stderr, "host serve: stopped")
	return err
}

// service holds every plugin of the folder, by name, each with its live
// build.
type service struct {
	dir      string
	loader   *loader.Loader
	isolated map[string]bool // plugin names run isolated
	all      bool            // --isolated: every plugin
	opts     isolated.Options
	maxGen   int
	log      io.Writer

	mu      sync.Mutex
	plugins map[string]*entry
}

// entry is one plugin: its live generation, and what became of its last
// new build.
type entry struct {
	name, kind, mode string

	mu      sync.Mutex
	path    string      // the .so of the live build, or of the last try
	cur     *generation // nil until a build is live
	old     []*generation
	lastErr error
	// seen is the stamp of the files last tried; pending one that changed
	// since, waiting to hold still for a poll.
	seen, pending stamp
	// mapped are the plugin paths of the in-process builds mapped into
	// the process, which Go cannot unmap.
	mapped map[string]bool
}

// generation is one build of a plugin, bound.
type generation struct {
	build    string // the plugin file's SHA-256, from its build record
	greeter  pluginapi.Greeter
	logger   pluginapi.Logger
	proc     *isolated.Process // isolated only
	loadedAt time.Time
	// refs counts requests using it; a superseded generation's process is
	// stopped when the last one finishes.
	refs    int
	retired bool
}

// stamp identifies the bytes of a plugin's files without reading them.
type stamp struct {
	size, msize   int64
	mtime, mmtime time.Time
	ok            bool
}

func stampOf(file string) stamp {
	fi, err := os.Stat(file)
	mi, merr := os.Stat(loader.BuildRecordPath(file))
	if err != nil || merr != nil {
		return stamp{}
	}
	return stamp{size: fi.Size(), msize: mi.Size(), mtime: fi.ModTime(), mmtime: mi.ModTime(), ok: true}
}

func (s *service) modeOf(name string) string {
	if s.all || s.isolated[name] {
		return "isolated"
	}
	return "in-process"
}

// watch polls the folder for new builds until ctx ends. Polling, not
// inotify (fsnotify): plugins are often Bazel outputs reached through
// symlinks, whose targets change without an event in the watched folder,
// and folders on network, FUSE or bind mounts send none; a stat per file
// per poll is cheap next to a plugin's load.
func (s *service) watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.scan(false)
		}
	}
}

// scan looks at every greeter and logger under the folder and loads each
// new build. A build is tried once its files held still for one poll
// (first scan excepted), so a file being written is not tried half
// written; if one still is, its checksum refuses it, and the next change
// is tried again.
func (s *service) scan(first bool) {
	found, err := findPlugins(s.dir, "")
	if err != nil {
		fmt.Fprintf(s.log, "host serve: %s: %v\n", s.dir, err)
		return
	}
	named := map[string]bool{}
	for _, f := range found {
		if f.kind != greeter.Kind && f.kind != logger.Kind {
			continue
		}
		br := f.record
		if br == nil {
			continue // no name to file it under yet; a later poll sees it whole
		}
		// Two copies of one plugin in the folder: the first path, in
		// sorted order, is the plugin; trying both would swap them on
		// every poll.
		if named[br.Plugin] {
			continue
		}
		named[br.Plugin] = true
		e := s.entry(br.Plugin, f.kind)
		file := f.path
		if e.mode == "isolated" {
			file = loader.IsolatedPath(f.path)
		}
		st := stampOf(file)
		e.mu.Lock()
		changed := st.ok && st != e.seen
		ready := changed && (first || st == e.pending)
		if changed && !ready {
			e.pending = st
		}
		if ready {
			e.seen = st
		}
		e.mu.Unlock()
		if ready {
			s.load(e, f.path, br)
		}
	}
}

func (s *service) entry(name, kind string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.plugins[name]
	if !ok {
		e = &entry{name: name, kind: kind, mode: s.modeOf(name), mapped: map[string]bool{}}
		s.plugins[name] = e
	}
	return e
}

// errGenerationCap refuses an in-process reload past --max-generations.
var errGenerationCap = errors.New("generation cap reached")

// load tries the build at path, and makes it live if it passes every
// check; the live build keeps serving otherwise.
func (s *service) load(e *entry, path string, br *buildrecord.Record) {
	e.mu.Lock()
	if e.cur != nil && e.cur.build == br.SHA256 && e.path == path {
		e.mu.Unlock()
		return // the same build, touched
	}
	capped := e.mode == "in-process" && len(e.mapped) >= s.maxGen
	e.mu.Unlock()

	g := &generation{build: br.SHA256, loadedAt: time.Now()}
	var err error
	var pluginPath string
	switch {
	case capped:
		err = fmt.Errorf("%w: %d builds of %s are mapped into this process, and Go cannot unmap one (golang/go#20461): restart the service, or raise --max-generations", errGenerationCap, s.maxGen, e.name)
	case e.mode == "isolated":
		err = s.loadIsolated(e, path, g)
	default:
		pluginPath, err = s.loadInProcess(e, path, g)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if pluginPath != "" {
		e.mapped[pluginPath] = true
	}
	if err != nil {
		e.lastErr = err
		fmt.Fprintf(s.log, "host serve: %s: new build refused, %s: %v\n", e.name, codeOf(err), err)
		return
	}
	old := e.cur
	e.cur, e.path, e.lastErr = g, path, nil
	if old != nil {
		old.retired = true
		e.old = append(e.old, old)
		if len(e.old) > 16 {
			e.old = e.old[len(e.old)-16:]
		}
		if old.refs == 0 && old.proc != nil {
			go old.proc.Stop()
		}
	}
	fmt.Fprintf(s.log, "host serve: %s: build %.12s live (%s)\n", e.name, g.build, e.mode)
}

func (s *service) loadInProcess(e *entry, path string, g *generation) (string, error) {
	var p *loader.Plugin
	var err error
	switch e.kind {
	case greeter.Kind:
		p, err = s.loader.ReloadKind(path, greeter.Spec)
		if err == nil {
			var b *greeter.Plugin
			if b, err = greeter.Bind(p); err == nil {
				g.greeter = b.Greeter
			}
		}
	case logger.Kind:
		p, err = s.loader.ReloadKind(path, logger.Spec)
		if err == nil {
			var b *logger.Plugin
			if b, err = logger.Bind(p); err == nil {
				g.logger = b.Logger
			}
		}
	}
	if p != nil {
		return p.PluginPath, err
	}
	return "", err
}

func (s *service) loadIsolated(e *entry, path string, g *generation) error {
	exe := loader.IsolatedPath(path)
	switch e.kind {
	case greeter.Kind:
		b, proc, err := greeterrpc.Load(s.loader, exe, s.opts)
		if err != nil {
			return err
		}
		g.greeter, g.proc = b.Greeter, proc
	case logger.Kind:
		b, proc, err := loggerrpc.Load(s.loader, exe, s.opts)
		if err != nil {
			return err
		}
		g.logger, g.proc = b.Logger, proc
	}
	return nil
}

// acquire returns the live generation, which stays usable until release
// even if a new build replaces it meanwhile.
func (e *entry) acquire() *generation {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur != nil {
		e.cur.refs++
	}
	return e.cur
}

func (e *entry) release(g *generation) {
	e.mu.Lock()
	g.refs--
	stop := g.retired && g.refs == 0 && g.proc != nil
	e.mu.Unlock()
	if stop {
		g.proc.Stop()
	}
}

// close stops every plugin process.
func (s *service) close() { isolated.StopAll() }

// entries returns the plugins of kind ("" for all), sorted by name.
func (s *service) entries(kind string) []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*entry
	for _, e := range s.plugins {
		if kind == "" || e.kind == kind {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func codeOf(err error) string {
	if c := isolated.Code(err); c != "" {
		return c
	}
	if errors.Is(err, errGenerationCap) {
		return "generation_cap"
	}
	return loader.Code(err)
}

// apiError is every error the service answers with.
type apiError struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Code: code, Error: msg})
}

func (s *service) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /plugins", s.handlePlugins)
	mux.HandleFunc("GET /greet", s.handleGreet)
	mux.HandleFunc("POST /log", s.handleLog)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no endpoint %s %s; try GET /healthz, GET /plugins, GET /greet?lang=LANG, POST /log", r.Method, r.URL.Path))
	})
	return mux
}

// pluginStatus is one plugin in GET /plugins.
type pluginStatus struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Build string `json:"build,omitempty"`
	Mode  string `json:"mode"`
	// State is live, refused (no build ever went live) or restarting (an
	// isolated plugin whose process is down until the next call).
	State       string   `json:"state"`
	PID         int      `json:"pid,omitempty"`
	LastError   string   `json:"last_error,omitempty"`
	LastCode    string   `json:"last_code,omitempty"`
	Superseded  []string `json:"superseded,omitempty"`
	Generations int      `json:"mapped_generations"`
}

func (s *service) handlePlugins(w http.ResponseWriter, r *http.Request) {
	out := []pluginStatus{}
	for _, e := range s.entries("") {
		e.mu.Lock()
		st := pluginStatus{Kind: e.kind, Name: e.name, Mode: e.mode, State: "refused", Generations: len(e.mapped)}
		if e.cur != nil {
			st.Build, st.State = e.cur.build, "live"
			if e.cur.proc != nil {
				if st.PID = e.cur.proc.PID(); st.PID == 0 {
					st.State = "restarting"
				}
			}
		}
		for _, o := range e.old {
			st.Superseded = append(st.Superseded, o.build)
		}
		if e.lastErr != nil {
			st.LastError, st.LastCode = e.lastErr.Error(), codeOf(e.lastErr)
		}
		e.mu.Unlock()
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *service) handleGreet(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "want GET /greet?lang=LANG")
		return
	}
	var names []string
	for _, e := range s.entries(greeter.Kind) {
		if language(e.name) != lang {
			names = append(names, language(e.name))
			continue
		}
		g := e.acquire()
		if g == nil {
			e.mu.Lock()
			err := e.lastErr
			e.mu.Unlock()
			writeError(w, http.StatusServiceUnavailable, codeOf(err), fmt.Sprintf("greeter %s has no live build: %v", e.name, err))
			return
		}
		var greeting string
		err := isolated.Catch(func() { greeting = g.greeter.Greet() })
		e.release(g)
		if err != nil {
			writeError(w, http.StatusBadGateway, codeOf(err), err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"greeting": greeting, "plugin": e.name, "build": g.build, "mode": e.mode})
		return
	}
	sort.Strings(names)
	writeError(w, http.StatusNotFound, "unknown_language", fmt.Sprintf("no greeter for language %q; available: %s", lang, strings.Join(names, ", ")))
}

// logRequest is the body of POST /log.
type logRequest struct {
	Level  string           `json:"level"`
	Msg    string           `json:"msg"`
	Labels pluginapi.Labels `json:"labels"`
}

// logFailure is a logger that did not take a message.
type logFailure struct {
	Plugin string `json:"plugin"`
	Code   string `json:"code"`
	Error  string `json:"error"`
}

func (s *service) handleLog(w http.ResponseWriter, r *http.Request) {
	var req logRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "want a JSON body {level, msg, labels}: "+err.Error())
		return
	}
	if req.Level == "" {
		req.Level = "info"
	}
	send := map[string]func(pluginapi.Logger){
		"log":  func(l pluginapi.Logger) { l.Log(req.Msg, req.Labels) },
		"info": func(l pluginapi.Logger) { l.Info(req.Msg, req.Labels) },
		"warn": func(l pluginapi.Logger) { l.Warn(req.Msg, req.Labels) },
	}[req.Level]
	if send == nil {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("level %q: want log, info or warn", req.Level))
		return
	}
	resp := struct {
		Delivered []string     `json:"delivered"`
		Failed    []logFailure `json:"failed"`
	}{Delivered: []string{}, Failed: []logFailure{}}
	for _, e := range s.entries(logger.Kind) {
		g := e.acquire()
		if g == nil {
			continue // no live build: not a logger of this message
		}
		err := isolated.Catch(func() { send(g.logger) })
		e.release(g)
		if err != nil {
			resp.Failed = append(resp.Failed, logFailure{Plugin: e.name, Code: codeOf(err), Error: err.Error()})
			continue
		}
		resp.Delivered = append(resp.Delivered, e.name)
	}
	if len(resp.Delivered)+len(resp.Failed) == 0 {
		writeError(w, http.StatusServiceUnavailable, "no_loggers", "no logger plugin is live under "+filepath.Base(s.dir))
		return
	}
	writeJSON(w, http.StatusOK, resp)
}
