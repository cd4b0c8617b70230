// Command host is the end-to-end test's host for the composite fixture: it
// calls every function and reads every variable through the generated
// PluginAPI, and prints what it got.
package main

import (
	"context"
	"fmt"
	"os"
)

type lener string

func (l lener) Len() int { return len(l) }

func main() {
	api, err := BindPluginAPI(os.Args[1])
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("Variadic:", api.Variadic("p", 1, 2, 3))
	n, err := api.TwoResults(false)
	fmt.Println("TwoResults:", n, err)
	_, err = api.TwoResults(true)
	fmt.Println("TwoResults(true):", err)
	api.NoResults()
	fmt.Println("Higher:", api.Higher(func(int) bool { return true })())
	fmt.Println("Chans:", api.Chans(nil, nil) != nil)
	fmt.Println("Anon:", api.Anon(struct{ X, Y int }{1, 2}, lener("abc")))

	fmt.Println("Slice:", *api.Slice, "Array:", *api.Array, "Map:", *api.Map)
	*api.ChanBoth <- 5
	fmt.Println("ChanBoth:", <-*api.ChanBoth)
	fmt.Println("ChanRecv:", *api.ChanRecv == nil, "ChanSend:", *api.ChanSend == nil)
	fmt.Println("ChanOfRecv:", cap(*api.ChanOfRecv))
	fmt.Println("Ptr:", **api.Ptr, "Any:", *api.Any, "Iface:", (*api.Iface).String(), "Err:", *api.Err)
	fmt.Println("Bytes:", string(*api.Bytes), "Runes:", string(*api.Runes), "Pointer:", *api.Pointer == nil)
	fmt.Println("Struct:", api.Struct.A, api.Struct.B, api.Struct.Tick, api.Struct.Time.IsZero(), api.Struct.Builder == nil)
	fmt.Println("Empty:", *api.Empty, "Nested:", *api.Nested == nil)
	fmt.Println("Callback:", (*api.Callback)(context.Background(), 1, "x"))
	fmt.Println("Duration:", *api.Duration, "File:", *api.File == os.Stdout)
	fmt.Println("HTML:", (*api.HTML).Name(), "Text:", (*api.Text).Name(), "Instance:", (*api.Instance)(9))
}
