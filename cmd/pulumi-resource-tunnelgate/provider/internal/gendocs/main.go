// Command gendocs writes docs_gen.go of package provider (go generate in that folder): the doc
// comments of the library types the schema is made of, read from the library's source in this
// repository.
package main

import (
	"log"
	"os"

	"github.com/tunnelgate/tunnelgate/cmd/pulumi-resource-tunnelgate/provider"
)

func main() {
	// go generate runs in the provider package's folder: the repository root is three folders up.
	src, err := provider.GenerateDocs("../../..", provider.DocTypes(provider.Components()))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("docs_gen.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
}
