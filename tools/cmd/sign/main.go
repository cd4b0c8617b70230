// Command sign signs plugins' build manifests with an ed25519 key, makes
// keys, and checks signatures, for hosts that trust signed plugins only
// (host --trust=FILE, loader.Config.TrustedKeys).
//
//	bazel run //tools/cmd/sign -- keygen [--comment=TEXT] PREFIX
//	bazel run //tools/cmd/sign -- sign [--key=FILE] PATH...
//	bazel run //tools/cmd/sign -- verify --trust=FILE PATH...
//
// keygen writes PREFIX.key, the private key (PKCS#8 PEM, mode 0600), and
// PREFIX.pub, its line for a file of trusted keys. sign writes
// <plugin>.so.manifest.json.sig beside the build manifest of each plugin
// named, or of every plugin (.so or isolated executable) under each folder
// named; the key comes from --key, else from $PLUGKIT_SIGNING_KEY (the PEM
// itself, as CI secrets are handed over), else from the file
// $PLUGKIT_SIGNING_KEY_FILE. verify checks each signature against the
// trusted keys and exits 1 when one fails.
//
// Signing is a step after the build, on installed plugins: no build action
// sees the key, so the key is in no action's cache key, and changing keys
// rebuilds nothing. ed25519 signatures are deterministic: the same key and
// manifest give the same bytes.
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
	"strings"

	"example.com/plugkit/internal/cli"
	"example.com/plugkit/internal/signing"
)

const manifestSuffix = ".manifest.json"

func main() {
	cli.Exit("sign", run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: sign keygen [--comment=TEXT] PREFIX
       sign sign [--key=FILE] PATH...
       sign verify --trust=FILE PATH...

Signs plugins' build manifests with ed25519 (keygen, sign) and checks the
signatures (verify). A PATH is a plugin (.so or isolated executable) or a
folder, searched for every plugin's build manifest.

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
	manifests, err := findManifests(fs.Args())
	if err != nil {
		return err
	}
	id := signing.KeyID(key.Public().(ed25519.PublicKey))
	for _, m := range manifests {
		data, err := readSmall(m, 1<<20)
		if err != nil {
			return err
		}
		if err := os.WriteFile(m+signing.Suffix, signing.Sign(key, data), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "signed %s (key %s)\n", strings.TrimSuffix(m, manifestSuffix), id)
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
	manifests, err := findManifests(fs.Args())
	if err != nil {
		return err
	}
	bad := 0
	for _, m := range manifests {
		plugin := strings.TrimSuffix(m, manifestSuffix)
		if id, err := verifyOne(m, keys); err != nil {
			bad++
			fmt.Fprintf(stdout, "FAIL %s: %v\n", plugin, err)
		} else {
			fmt.Fprintf(stdout, "ok   %s (key %s)\n", plugin, id)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d signatures do not verify", bad, len(manifests))
	}
	return nil
}

func verifyOne(manifest string, keys []signing.PublicKey) (string, error) {
	data, err := readSmall(manifest, 1<<20)
	if err != nil {
		return "", err
	}
	raw, err := readSmall(manifest+signing.Suffix, signing.MaxSignatureSize)
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

// findManifests lists the build manifests of the plugins named, or under
// the folders named, sorted; a plugin without one is an error.
func findManifests(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		p = userPath(p)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			m := strings.TrimSuffix(p, manifestSuffix) + manifestSuffix
			if _, err := os.Stat(m); err != nil {
				return nil, fmt.Errorf("%s: no build manifest beside it (%s): sign the plugins the build installed", p, m)
			}
			out = append(out, m)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && strings.HasSuffix(path, manifestSuffix) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no build manifest in the folder: install plugins there first (bazel run //plugins:install -- %s)", p, p)
		}
		out = append(out, found...)
	}
	sort.Strings(out)
	return out, nil
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
