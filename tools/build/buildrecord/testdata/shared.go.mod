// The go.mod the tests hand buildrecord: requirements direct and indirect,
// modules nested in one another, and replace directives of each kind.
module example.com/buildrecordtest

go 1.26

require (
	example.com/forked v1.0.0
	example.com/local v0.0.0
	example.com/nested v1.2.0
	example.com/nested/sub v1.3.0
	github.com/hashicorp/go-plugin v1.6.3
	golang.org/x/mod v0.42.0
	golang.org/x/sys v0.30.0 // indirect
)

// A fork at another version, a local copy, and a module not required,
// which must not appear.
replace example.com/forked => example.com/fork v1.0.1

replace example.com/local => ./local

replace example.com/unrequired => example.com/other v9.9.9
