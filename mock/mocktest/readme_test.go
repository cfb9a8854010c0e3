package mocktest_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/odmock/odmock/mock/mocktest"
)

// TestReadmeCallsExist checks that every srv.X(...) the README shows (srv
// being a *mocktest.Server, as in its Go example) is a method there, or of
// a field's value: srv.Mock.Coverage(), not srv.Coverage().
func TestReadmeCallsExist(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`\bsrv\.((?:[A-Z]\w*\.)*[A-Z]\w*)\(`).FindAllStringSubmatch(string(doc), -1)
	if len(calls) < 3 {
		t.Fatalf("found %d srv.X( calls in README.md: the parsing is broken", len(calls))
	}
	for _, c := range calls {
		typ := reflect.TypeFor[*mocktest.Server]()
		path := strings.Split(c[1], ".")
		for i, name := range path {
			if i == len(path)-1 {
				if _, ok := typ.MethodByName(name); !ok {
					t.Errorf("README.md calls srv.%s(), but %s has no method %s", c[1], typ, name)
				}
				break
			}
			f, ok := typ.Elem().FieldByName(name)
			if !ok {
				t.Errorf("README.md calls srv.%s(), but %s has no field %s", c[1], typ, name)
				break
			}
			typ = f.Type
		}
	}
}
