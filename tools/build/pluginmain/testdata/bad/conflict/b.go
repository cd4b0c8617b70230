package conflict

import "html/template"

// B names html/template as template, too.
func B(t *template.Template) {}
