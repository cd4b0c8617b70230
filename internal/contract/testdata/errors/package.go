package other // want `package other, but .*manifest.go is package api`
