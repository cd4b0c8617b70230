"""A Go SDK pinned by version and sha256, fetched through the user's GOPROXY.

Every Go release is also published as the module golang.org/toolchain, so any
Go module proxy serves the SDK. Reading the proxy from the environment keeps
registry hosts out of the repository and honours a team's own proxy. The zip
is verified against the sha256 below, so the proxy is trusted for
availability only.

The SDK is handed to rules_go with go_sdk.wrap (see MODULE.bazel).
"""

# The version is go.mod's go line, the one pin of the Go SDK: host and plugins
# must share one toolchain (docs/compatibility.md), and `go` and Bazel must
# agree. A bump is go.mod's go line plus the new sha256s here.
#
# sha256 of golang.org/toolchain@v0.0.1-go<version>.<platform>.zip, by version.
_SDKS = {
    "1.26.8": {
        "linux-amd64": "30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7",
    },
}

def _platform(rctx):
    os = rctx.os.name.lower()
    if os.startswith("linux"):
        goos = "linux"
    elif os.startswith("mac"):
        goos = "darwin"
    else:
        fail("plugkit: Go plugins need Linux or macOS; this host is %s" % rctx.os.name)
    arch = rctx.os.arch
    goarch = {"amd64": "amd64", "x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(arch)
    if not goarch:
        fail("plugkit: no Go SDK pinned for architecture %s" % arch)
    return goos + "-" + goarch

def _proxies(rctx):
    value = rctx.getenv("GOPROXY", "")
    if not value:
        go = rctx.which("go")
        if go:
            result = rctx.execute([go, "env", "GOPROXY"])
            if result.return_code == 0:
                value = result.stdout.strip()
    urls = []

    # GOPROXY is a list separated by "," or "|"; "direct" and "off" are not URLs.
    for entry in value.replace("|", ",").split(","):
        entry = entry.strip().rstrip("/")
        if entry and entry not in ("direct", "off"):
            urls.append(entry)
    if not urls:
        fail("plugkit: no Go module proxy to fetch the Go SDK from: set GOPROXY")
    return urls

def _go_toolchain_sdk_impl(rctx):
    version = rctx.attr.version
    platform = _platform(rctx)
    sha256 = _SDKS.get(version, {}).get(platform)
    if not sha256:
        fail("plugkit: go.mod pins Go %s, and tools/rules/go_sdk.bzl has no sha256 for its %s SDK; add it to _SDKS there" % (version, platform))
    module = "v0.0.1-go%s.%s" % (version, platform)
    rctx.report_progress("fetching Go %s (%s) through GOPROXY" % (version, platform))
    rctx.download_and_extract(
        url = ["%s/golang.org/toolchain/@v/%s.zip" % (proxy, module) for proxy in _proxies(rctx)],
        sha256 = sha256,
        type = "zip",
        stripPrefix = "golang.org/toolchain@" + module,
    )

    # go_sdk.wrap finds GOROOT as the directory holding this file.
    rctx.file("ROOT", "")
    rctx.file("BUILD.bazel", 'exports_files(["ROOT"])\n')

go_toolchain_sdk_repository = repository_rule(
    implementation = _go_toolchain_sdk_impl,
    attrs = {"version": attr.string(mandatory = True)},
    environ = ["GOPROXY"],
)

def go_mod_version(content):
    """Returns the Go version go.mod pins: its toolchain line, else its go line.

    Args:
      content: go.mod's text.

    Returns:
      The version, like "1.26.8".
    """
    go = None
    for line in content.splitlines():
        fields = [f for f in line.strip().replace("\t", " ").split(" ") if f]
        if len(fields) == 2 and fields[0] == "toolchain" and fields[1].startswith("go"):
            return fields[1][len("go"):]
        if len(fields) == 2 and fields[0] == "go":
            go = fields[1]
    if not go:
        fail("plugkit: go.mod has no go line: it pins the Go SDK")
    if go.count(".") != 2:
        fail("plugkit: go.mod's go line says %s; pin a full release, like 1.26.8, so the SDK is one exact toolchain" % go)
    return go

def _go_toolchain_sdk_ext_impl(mctx):
    go_toolchain_sdk_repository(
        name = "go_toolchain_sdk",
        version = go_mod_version(mctx.read(Label("//:go.mod"))),
    )

go_toolchain_sdk = module_extension(implementation = _go_toolchain_sdk_ext_impl)
