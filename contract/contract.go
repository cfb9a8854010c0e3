package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/odmock/odmock"
)

// operationID names the one operation odmock serves in openapi.yaml.
const operationID = "getUserInteractions"

// How a query parameter matches, from its x-match extension in openapi.yaml.
const (
	matchID   = "id"   // the user's ID, exactly
	matchLike = "like" // the user's attribute of the same name, LIKE '%v%'
)

// Contract is the parsed openapi.yaml. Everything odmock knows of the
// endpoint's shape comes from it: the path, the query parameters and which
// are required, the date format, and how each filter matches.
type Contract struct {
	doc   *openapi3.T
	route *routers.Route

	params     []*openapi3.Parameter // query parameters, in the document's order
	byName     map[string]*openapi3.Parameter
	dateLayout string // Go layout of the x-date-format dates
	dateFormat string // the same format as Laravel writes it, for messages
	dateParams []string
	idParam    string   // the parameter that selects one user by ID
	attributes []string // filterable user attributes, in the document's order
	types      []string // the interaction types known to occur (the set is open)
}

// Default parses the openapi.yaml embedded in the binary.
func Default(ctx context.Context) (*Contract, error) {
	data, err := odmock.Files.ReadFile("openapi.yaml")
	if err != nil {
		return nil, fmt.Errorf("read embedded openapi.yaml: %w", err)
	}
	return Parse(ctx, data)
}

// Parse parses and validates an OpenAPI document and extracts the user
// interactions operation from it.
func Parse(ctx context.Context, data []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load openapi document: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate openapi document: %w", err)
	}
	c := &Contract{doc: doc, byName: map[string]*openapi3.Parameter{}}
	for path, item := range doc.Paths.Map() {
		if op := item.Get; op != nil && op.OperationID == operationID {
			c.route = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: http.MethodGet, Operation: op}
		}
	}
	if c.route == nil {
		return nil, fmt.Errorf("openapi document has no GET operation %q", operationID)
	}
	for _, ref := range c.route.Operation.Parameters {
		p := ref.Value
		if p.In != openapi3.ParameterInQuery {
			continue
		}
		c.params = append(c.params, p)
		c.byName[p.Name] = p
		if err := c.classify(p); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
	}
	if s := doc.Components.Schemas["Interaction"]; s != nil && s.Value != nil {
		if t := s.Value.Properties["type"]; t != nil && t.Value != nil {
			// An open set: known values are documented, not enforced.
			known, _ := t.Value.Extensions["x-known-values"].([]any)
			for _, v := range known {
				if name, ok := v.(string); ok {
					c.types = append(c.types, name)
				}
			}
		}
	}
	if len(c.types) == 0 {
		return nil, errors.New("openapi document has no Interaction schema with x-known-values for its type")
	}
	if len(c.dateParams) != 2 {
		return nil, errors.New("openapi document must have two date parameters (x-date-format): the range's start, then its end")
	}
	return c, nil
}

// classify records what a parameter is for, from its extensions.
func (c *Contract) classify(p *openapi3.Parameter) error {
	if p.Schema != nil && p.Schema.Value != nil {
		if f, ok := p.Schema.Value.Extensions["x-date-format"].(string); ok {
			layout, err := goLayout(f)
			if err != nil {
				return err
			}
			if c.dateLayout != "" && c.dateLayout != layout {
				return fmt.Errorf("date format %q differs from %q", f, c.dateFormat)
			}
			c.dateLayout, c.dateFormat = layout, f
			c.dateParams = append(c.dateParams, p.Name)
			return nil
		}
	}
	switch m, _ := p.Extensions["x-match"].(string); m {
	case matchID:
		c.idParam = p.Name
	case matchLike:
		c.attributes = append(c.attributes, p.Name)
	default:
		return fmt.Errorf("x-match %q is neither %q nor %q", m, matchID, matchLike)
	}
	return nil
}

// goLayout turns a PHP date format (Laravel's date_format rule) into a Go
// time layout. Only the letters a fixed-width format needs are known.
func goLayout(php string) (string, error) {
	var b strings.Builder
	for _, r := range php {
		switch r {
		case 'Y':
			b.WriteString("2006")
		case 'm':
			b.WriteString("01")
		case 'd':
			b.WriteString("02")
		case 'H':
			b.WriteString("15")
		case 'i':
			b.WriteString("04")
		case 's':
			b.WriteString("05")
		case '-', ':', ' ', 'T', '/', '.':
			b.WriteRune(r)
		default:
			return "", fmt.Errorf("date format %q: letter %q is not supported", php, r)
		}
	}
	return b.String(), nil
}

// Path is the endpoint's path, e.g. /public/api/user-interactions.
func (c *Contract) Path() string { return c.route.Path }

// DateParams names the range's two date parameters: its start, then its
// end (from, to).
func (c *Contract) DateParams() (from, to string) { return c.dateParams[0], c.dateParams[1] }

// IDParam names the parameter that selects one user by ID (user_id).
func (c *Contract) IDParam() string { return c.idParam }

// Attributes lists the filterable user attributes, in the document's order.
func (c *Contract) Attributes() []string { return append([]string(nil), c.attributes...) }

// InteractionTypes lists the interaction types known to occur, the page's
// first. The set is open: an answer may hold others.
func (c *Contract) InteractionTypes() []string { return append([]string(nil), c.types...) }

// DateFormat is the query date format as Laravel writes it (Y-m-d H:i:s).
func (c *Contract) DateFormat() string { return c.dateFormat }

// DateLayout is the query date format as a Go time layout.
func (c *Contract) DateLayout() string { return c.dateLayout }

// ParamExample is the example openapi.yaml gives for a query parameter,
// "" when it gives none.
func (c *Contract) ParamExample(name string) string {
	p, ok := c.byName[name]
	if !ok {
		return ""
	}
	ex, _ := p.Example.(string)
	return ex
}

// HasParam reports whether name is a query parameter of the operation.
func (c *Contract) HasParam(name string) bool {
	_, ok := c.byName[name]
	return ok
}

// DefinesStatus reports whether the operation defines an answer with
// this status.
func (c *Contract) DefinesStatus(status int) bool {
	return c.route.Operation.Responses.Status(status) != nil
}

// Document is the parsed OpenAPI document.
func (c *Contract) Document() *openapi3.T { return c.doc }

// Route is the user interactions operation, ready for openapi3filter.
func (c *Contract) Route() *routers.Route { return c.route }

// ErrNotInContract means a response cannot be checked: its request is not
// for an operation of the contract.
var ErrNotInContract = errors.New("request is not an operation of the contract")

// ValidateResponse checks a response to req against the contract: its
// status must be one the operation defines, and its headers and body must
// match that status's schema. A request for another path, or an OPTIONS
// request (a browser's CORS preflight), gives ErrNotInContract.
func (c *Contract) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	if req.URL.Path != c.route.Path || req.Method == http.MethodOptions {
		return ErrNotInContract
	}
	in := &openapi3filter.RequestValidationInput{Request: req, Route: c.route}
	// HEAD is answered as GET, without a body.
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			ExcludeResponseBody:   req.Method == http.MethodHead,
		},
	})
}
