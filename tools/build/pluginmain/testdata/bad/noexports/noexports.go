package noexports

var manifest = 1

func helper() int { return manifest }
