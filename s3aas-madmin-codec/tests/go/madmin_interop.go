// madmin_interop: encrypts or decrypts stdin with madmin-go's own EncryptData/DecryptData.
//
//	madmin_interop enc PASSWORD < plain > sealed
//	madmin_interop dec PASSWORD < sealed > plain
//
// Built by s3aas-madmin/tests/go_interop.rs against Debian's golang-github-minio-madmin-go-dev
// (GOPATH mode, no network).
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/minio/madmin-go"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: madmin_interop enc|dec PASSWORD")
		os.Exit(2)
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var out []byte
	switch os.Args[1] {
	case "enc":
		out, err = madmin.EncryptData(os.Args[2], in)
	case "dec":
		out, err = madmin.DecryptData(os.Args[2], bytes.NewReader(in))
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
