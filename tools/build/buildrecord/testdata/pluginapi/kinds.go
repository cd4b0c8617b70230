// Package pluginapi stands in for the contract: buildrecord reads the
// APIVersion constant from whichever -api-src file declares it.
package pluginapi

// GreeterKind is here so that this file, read first, declares no version.
type GreeterKind struct{}

// KindCount is a constant, but not the one buildrecord looks for.
const KindCount = 1
