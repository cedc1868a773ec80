// compare_madmin_go: the madmin-go side of examples/compare_peers.rs. Runs N of each admin call
// at a given concurrency against one server through madmin-go's AdminClient (its
// /minio/admin/v3 API, payloads encrypted as madmin-go does) and prints one JSON object:
// operation -> operations per second, or the error text of the first failure.
//
//	compare_madmin_go HOST:PORT ACCESS_KEY SECRET_KEY N CONCURRENCY PREFIX
//
// Built by the example against Debian's golang-github-minio-madmin-go-dev (GOPATH mode, no
// network).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minio/madmin-go"
)

func secret() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// timed runs fn(0..n-1) on conc workers: ops/s, or the first error's text.
func timed(n, conc int, fn func(i int) error) interface{} {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first.Error()
	}
	return float64(n) / time.Since(start).Seconds()
}

func main() {
	if len(os.Args) != 7 {
		fmt.Fprintln(os.Stderr, "usage: compare_madmin_go HOST:PORT ACCESS_KEY SECRET_KEY N CONCURRENCY PREFIX")
		os.Exit(2)
	}
	n, _ := strconv.Atoi(os.Args[4])
	conc, _ := strconv.Atoi(os.Args[5])
	prefix := os.Args[6]
	adm, err := madmin.New(os.Args[1], os.Args[2], os.Args[3], false)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	users := make([]string, n)
	keys := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("%s-u%05d", prefix, i)
		keys[i] = fmt.Sprintf("%s%05d", strings.ToUpper(strings.ReplaceAll(prefix, "-", "")), i)
	}
	out := map[string]interface{}{}
	out["add-user"] = timed(n, conc, func(i int) error { return adm.AddUser(ctx, users[i], secret()) })
	out["list-users"] = timed(n, conc, func(int) error { _, err := adm.ListUsers(ctx); return err })
	out["add-service-account"] = timed(n, conc, func(i int) error {
		_, err := adm.AddServiceAccount(ctx, madmin.AddServiceAccountReq{
			TargetUser: users[i], AccessKey: keys[i], SecretKey: secret(),
		})
		return err
	})
	out["remove-user"] = timed(n, conc, func(i int) error { return adm.RemoveUser(ctx, users[i]) })
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
