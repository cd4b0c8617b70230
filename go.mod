module example.com/plugkit

go 1.26.8

require (
	github.com/stretchr/testify v1.12.1
	golang.org/x/mod v0.42.0
	golang.org/x/tools v0.52.0
)

require (
	github.com/bazelbuild/buildtools v0.0.0-20250930140053-2eb4fccefb52 // indirect
	github.com/golang/protobuf v1.5.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sync v0.24.0 // indirect
	google.golang.org/protobuf v1.33.0 // indirect
)

// buildifier is a tool, not an import: no Go file in this module imports
// buildtools, so a plain require would be dropped by `go mod tidy`. The
// `tool` directive (Go 1.24+) keeps the requirement without a tools.go blank
// import, and gazelle's go_deps treats modules that provide a tool as direct
// deps, so MODULE.bazel can use_repo it. Bazel builds it as
// @com_github_bazelbuild_buildtools//buildifier (tools/lint); `go tool
// buildifier` runs the same version. The version is the one gazelle 0.54.0
// requires, so the module graph holds one buildtools.
tool github.com/bazelbuild/buildtools/buildifier
