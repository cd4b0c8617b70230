// Command sign signs plugins' build records with an ed25519 key, makes
// keys, and checks signatures, for hosts that trust signed plugins only
// (host --trust=FILE, loader.Config.TrustedKeys).
//
//	bazel run //tools/cmd/sign -- keygen [--comment=TEXT] PREFIX
//	bazel run //tools/cmd/sign -- sign [--key=FILE] PATH...
//	bazel run //tools/cmd/sign -- verify --trust=FILE PATH...
//
// keygen writes PREFIX.key, the private key (PKCS#8 PEM, mode 0600), and
// PREFIX.pub, its line for a file of trusted keys. sign writes
// <plugin>.so.build.json.sig beside the build record of each plugin
// named, or of every plugin (.so or isolated executable) under each folder
// named; the key comes from --key, else from $PLUGKIT_SIGNING_KEY (the PEM
// itself, as CI secrets are handed over), else from the file
// $PLUGKIT_SIGNING_KEY_FILE. verify checks each signature against the
// trusted keys and exits 1 when one fails.
//
// For one release, both also take a plugin whose record still has its old
// name, <plugin>.so.manifest.json (signed as <plugin>.so.manifest.json.sig),
// when no record of the new name is beside it, as the host's loader does,
// and print a note saying to rename it.
//
// Signing is a step after the build, on installed plugins: no build action
// sees the key, so the key is in no action's cache key, and changing keys
// rebuilds nothing. ed25519 signatures are deterministic: the same key and
// record give the same bytes.
package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/cli"
	"example.com/plugkit/internal/signing"
)

func main() {
	cli.Exit("sign", run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: sign keygen [--comment=TEXT] PREFIX
       sign sign [--key=FILE] PATH...
       sign verify --trust=FILE PATH...

Signs plugins' build records (<plugin>.so.build.json) with ed25519 (keygen,
sign) and checks the signatures (verify). A PATH is a plugin (.so or
isolated executable) or a folder, searched for every plugin's build record.

sign's key: --key, else $PLUGKIT_SIGNING_KEY (the PEM itself), else the file
$PLUGKIT_SIGNING_KEY_FILE.
`

func run(args []string, stdout, stderr io.Writer) error {
	with := func(cmd func(args []string, stdout, stderr io.Writer) error) func([]string) error {
		return func(args []string) error { return cmd(args, stdout, stderr) }
	}
	cmds := []cli.Command{
		{Name: "keygen", Run: with(keygen)},
		{Name: "sign", Run: with(sign)},
		{Name: "verify", Run: with(verify)},
	}
	// Asked for, the usage goes to stdout, as the go tool's help does.
	return cli.Dispatch(args, cmds, func(w io.Writer) { fmt.Fprint(w, usage) }, stdout, stderr)
}

func flagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	return cli.NewFlagSet(name, "usage: sign "+synopsis+"\n\nflags:\n", stderr)
}

// userPath resolves a path as the user typed it: under `bazel run`, relative
// to the folder the command was run from.
func userPath(p string) string {
	if wd := os.Getenv("BUILD_WORKING_DIRECTORY"); wd != "" && p != "" && !filepath.IsAbs(p) {
		return filepath.Join(wd, p)
	}
	return p
}

func keygen(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("keygen", "keygen [--comment=TEXT] PREFIX", stderr)
	comment := fs.String("comment", "", "a comment for the public key line (who holds the key, since when)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.UsageError("keygen takes one PREFIX")
	}
	prefix := userPath(fs.Arg(0))
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	pemKey, err := signing.MarshalPrivateKey(key)
	if err != nil {
		return err
	}
	// O_EXCL: a key is never overwritten, since whatever it signed would
	// be orphaned.
	f, err := os.OpenFile(prefix+".key", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(pemKey); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	line := signing.NewPublicKey(pub, *comment).String() + "\n"
	if err := os.WriteFile(prefix+".pub", []byte(line), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s.key (private, keep it secret) and %s.pub (key %s: add its line to the host's trusted keys)\n", prefix, prefix, signing.KeyID(pub))
	return nil
}

// privateKey finds sign's key.
func privateKey(flagValue string) (ed25519.PrivateKey, string, error) {
	var data []byte
	var from string
	switch {
	case flagValue != "":
		from = userPath(flagValue)
	case os.Getenv("PLUGKIT_SIGNING_KEY") != "":
		data, from = []byte(os.Getenv("PLUGKIT_SIGNING_KEY")), "$PLUGKIT_SIGNING_KEY"
	case os.Getenv("PLUGKIT_SIGNING_KEY_FILE") != "":
		from = userPath(os.Getenv("PLUGKIT_SIGNING_KEY_FILE"))
	default:
		return nil, "", cli.UsageError("no key: give --key=FILE, or set PLUGKIT_SIGNING_KEY or PLUGKIT_SIGNING_KEY_FILE")
	}
	if data == nil {
		fi, err := os.Stat(from)
		if err != nil {
			return nil, "", err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, "", fmt.Errorf("%s: a private key readable by others (mode %v): chmod 600 it, and consider it leaked", from, fi.Mode().Perm())
		}
		if data, err = os.ReadFile(from); err != nil {
			return nil, "", err
		}
	}
	key, err := signing.ParsePrivateKey(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", from, err)
	}
	return key, from, nil
}

func sign(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("sign", "sign [--key=FILE] PATH...", stderr)
	keyFile := fs.String("key", "", "the private key (PKCS#8 PEM), as keygen writes it")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return cli.UsageError("sign takes one or more plugins or folders")
	}
	key, _, err := privateKey(*keyFile)
	if err != nil {
		return err
	}
	records, err := findRecords(fs.Args(), stderr)
	if err != nil {
		return err
	}
	id := signing.KeyID(key.Public().(ed25519.PublicKey))
	for _, r := range records {
		data, err := readSmall(r.path, buildrecord.MaxSize)
		if err != nil {
			return err
		}
		if err := os.WriteFile(r.path+signing.Suffix, signing.Sign(key, data), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "signed %s (key %s)\n", r.plugin, id)
	}
	return nil
}

func verify(args []string, stdout, stderr io.Writer) error {
	fs := flagSet("verify", "verify --trust=FILE PATH...", stderr)
	trust := fs.String("trust", "", "the file of trusted public keys")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *trust == "" || fs.NArg() == 0 {
		return cli.UsageError("verify takes --trust=FILE and one or more plugins or folders")
	}
	data, err := readSmall(userPath(*trust), 1<<20)
	if err != nil {
		return err
	}
	keys, err := signing.ParsePublicKeys(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *trust, err)
	}
	records, err := findRecords(fs.Args(), stderr)
	if err != nil {
		return err
	}
	bad := 0
	for _, r := range records {
		if id, err := verifyOne(r.path, keys); err != nil {
			bad++
			fmt.Fprintf(stdout, "FAIL %s: %v\n", r.plugin, err)
		} else {
			fmt.Fprintf(stdout, "ok   %s (key %s)\n", r.plugin, id)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d signatures do not verify", bad, len(records))
	}
	return nil
}

func verifyOne(record string, keys []signing.PublicKey) (string, error) {
	data, err := readSmall(record, buildrecord.MaxSize)
	if err != nil {
		return "", err
	}
	raw, err := readSmall(record+signing.Suffix, signing.MaxSignatureSize)
	if errors.Is(err, fs.ErrNotExist) {
		return "", errors.New("not signed")
	}
	if err != nil {
		return "", err
	}
	sig, err := signing.ParseSignature(raw)
	if err != nil {
		return "", fmt.Errorf("malformed signature: %w", err)
	}
	return sig.KeyID, signing.Verify(keys, sig, data)
}

// record is the build record of one plugin, as signed and verified.
type record struct {
	plugin string // the plugin's file (.so or executable)
	path   string // its build record
}

// findRecords lists the build records of the plugins named (a plugin, or
// its record), or under the folders named, sorted by plugin; a plugin
// without one is an error. A record is looked for as the host's loader
// looks for it (buildrecord.Locate): by its name, else by its old name,
// which gets a note on stderr.
func findRecords(paths []string, stderr io.Writer) ([]record, error) {
	plugins := map[string]bool{}
	for _, p := range paths {
		p = userPath(p)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			if plugin, _, ok := buildrecord.PluginFor(p); ok {
				p = plugin
			}
			if r, _ := buildrecord.Locate(p); !exists(r) {
				return nil, fmt.Errorf("%s: no build record beside it (%s): sign the plugins the build installed", p, r)
			}
			plugins[p] = true
			continue
		}
		found := 0
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if plugin, _, ok := buildrecord.PluginFor(path); ok && d.Type().IsRegular() {
				plugins[plugin] = true
				found++
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if found == 0 {
			return nil, fmt.Errorf("%s: no build record in the folder: install plugins there first (bazel run //plugins:install -- %s)", p, p)
		}
	}
	var out []record
	for plugin := range plugins {
		r, legacy := buildrecord.Locate(plugin)
		if legacy {
			fmt.Fprintf(stderr, "note: %s: build record has the old name %s, read for one more release only: rebuild the plugin, or rename it to %s (and its signature to %s)\n",
				plugin, r, buildrecord.PathFor(plugin), buildrecord.PathFor(plugin)+signing.Suffix)
		}
		out = append(out, record{plugin: plugin, path: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].plugin < out[j].plugin })
	return out, nil
}

// exists tells whether anything is at path, without following it.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// readSmall reads a regular file of at most limit bytes, refusing anything
// else before opening it: a named pipe would block the read.
func readSmall(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (mode %v)", path, fi.Mode())
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", path, fi.Size(), limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s: grew past %d bytes", path, limit)
	}
	return data, err
}
