package conflict

import "text/template"

// A names text/template as template.
func A(t *template.Template) {}
