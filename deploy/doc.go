// Package deploy holds no Go code: only the tests of odmock's deployment
// files, the Helm chart (helm/odmock) and the Compose example
// (compose/), which check their rendered or parsed structure.
package deploy
