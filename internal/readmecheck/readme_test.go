package readmecheck

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"regexp"
	"strings"
	"testing"
)

// imports maps the package names a snippet may use to their import paths.
// A snippet refers to packages by these names; unused ones are ignored.
var imports = map[string]string{
	"context":    "context",
	"errors":     "errors",
	"fmt":        "fmt",
	"os":         "os",
	"rand":       "math/rand/v2",
	"strings":    "strings",
	"time":       "time",
	"budget":     "github.com/budgetkit/budgetkit/budget",
	"guidance":   "github.com/budgetkit/budgetkit/budget/guidance",
	"stoprule":   "github.com/budgetkit/budgetkit/budget/stoprule",
	"schedule":   "github.com/budgetkit/budgetkit/budget/schedule",
	"curriculum": "github.com/budgetkit/budgetkit/curriculum",
	"estimate":   "github.com/budgetkit/budgetkit/estimate",
	"irt":        "github.com/budgetkit/budgetkit/estimate/irt",
	"router":     "github.com/budgetkit/budgetkit/router",
	"skill":      "github.com/budgetkit/budgetkit/skill",
}

// snippet is one ```go block of the README with the declarations of its
// free variables, given in an HTML comment "<!-- prelude ... -->" just
// before the block (invisible on GitHub). A block preceded by
// "<!-- nested module: PATH -->" uses a nested module's packages (not
// importable from here) and is type-checked by that module's own tests.
type snippet struct {
	line          int
	prelude, body string
}

var (
	blockRE   = regexp.MustCompile("(?s)(?:<!--\\s*prelude\\s*\\n(.*?)-->\\s*\\n|(<!--\\s*nested module: [^\\n]*-->\\s*\\n))?```go\\n(.*?)```")
	qualified = regexp.MustCompile(`\b([a-z]+)\.[A-Z]`)
)

func readSnippets(t *testing.T) []snippet {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	var out []snippet
	for _, m := range blockRE.FindAllStringSubmatchIndex(text, -1) {
		if m[4] >= 0 {
			continue // a nested module's snippet
		}
		s := snippet{line: 1 + strings.Count(text[:m[6]], "\n"), body: text[m[6]:m[7]]}
		if m[2] >= 0 {
			s.prelude = text[m[2]:m[3]]
		}
		out = append(out, s)
	}
	return out
}

// TestREADMESnippetsTypeCheck compiles (type-checks) each README snippet
// inside a function whose body starts with its prelude. Only "declared and
// not used" and "imported and not used" are tolerated: a snippet shows a
// fragment of a program, not a whole one.
func TestREADMESnippetsTypeCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the module from source; skipped in -short mode")
	}
	snips := readSnippets(t)
	if len(snips) < 5 {
		t.Fatalf("found %d Go snippets in README.md; expected the usage snippets", len(snips))
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil)
	for _, s := range snips {
		var src strings.Builder
		src.WriteString("package snippets\n\nimport (\n")
		used := map[string]bool{}
		for _, m := range qualified.FindAllStringSubmatch(s.prelude+s.body, -1) {
			if p, ok := imports[m[1]]; ok && !used[m[1]] {
				used[m[1]] = true
				fmt.Fprintf(&src, "\t%s %q\n", m[1], p)
			}
		}
		src.WriteString(")\n\nfunc snippet() error {\n")
		src.WriteString(s.prelude)
		src.WriteString("\n")
		src.WriteString(s.body)
		src.WriteString("return nil\n}\n")
		f, err := parser.ParseFile(fset, fmt.Sprintf("README.md:%d", s.line), src.String(), 0)
		if err != nil {
			t.Errorf("README.md snippet at line %d does not parse: %v\n%s", s.line, err, src.String())
			continue
		}
		var errs []string
		conf := types.Config{Importer: imp, Error: func(err error) {
			msg := err.Error()
			if strings.Contains(msg, "declared and not used") || strings.Contains(msg, "imported and not used") {
				return
			}
			errs = append(errs, msg)
		}}
		conf.Check("snippets", fset, []*ast.File{f}, nil)
		if len(errs) > 0 {
			t.Errorf("README.md snippet at line %d does not compile:\n  %s\n--- source ---\n%s", s.line, strings.Join(errs, "\n  "), src.String())
		}
	}
}
