// The million-tasks benchmark in Go: the same two task shapes as the Rust example's
// `tasks.rs`, as goroutines.
//
// `cargo run --release --example million` builds this file with `go build` into the target
// directory and runs it once per task count in a fresh process, when `go` is on the PATH.
// By hand:
//
//	go run million.go -tasks 100000 -shape buffer -sleep 10s
//
// It spawns -tasks goroutines that each sleep for -sleep (the "buffer" shape holds a 1 KiB
// array on its stack across the sleep), waits until every one has started, reads its memory,
// then waits for them all to end by themselves and prints one JSON object on stdout:
//
//	rss_before, rss_after:   VmRSS of /proc/self/status, bytes
//	vmsize_before, _after:   VmSize, bytes
//	stack_inuse_*, heap_inuse_*, sys_*: runtime.MemStats before and after
//	running:                 goroutines alive when memory was read (all of them, unless the
//	                         first had already woken up: then -sleep was too short)
//	spawn_seconds:           how long spawning took
//
// It uses only the standard library (Go 1.19 or later), so `go build million.go` needs no
// module and no network.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// bufferBytes matches BUFFER_BYTES in tasks.rs.
const bufferBytes = 1024

// sink keeps the buffer's contents observable so the compiler cannot drop the array.
var sink atomic.Uint32

// sleeper is tasks::sleeper: sleep, then end.
func sleeper(d time.Duration, started, done *sync.WaitGroup) {
	defer done.Done()
	started.Done()
	time.Sleep(d)
}

// buffered is tasks::buffered: a 1 KiB array written before the sleep and read after it, so it
// lives on the goroutine's stack across the sleep. It does not escape, so it is not on the heap.
//
//go:noinline
func buffered(d time.Duration, started, done *sync.WaitGroup) {
	defer done.Done()
	var buffer [bufferBytes]byte
	buffer[d.Nanoseconds()%bufferBytes] = 1
	started.Done()
	time.Sleep(d)
	var sum byte
	for _, b := range buffer {
		sum ^= b
	}
	sink.Add(uint32(sum))
}

// status reads one "Name:   N kB" line of /proc/self/status, in bytes (0 when unreadable).
func status(name string) uint64 {
	file, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, name+":") {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, name+":"))
		if len(fields) == 0 {
			return 0
		}
		kib, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		return kib * 1024
	}
	return 0
}

type snapshot struct {
	rss, vmsize, stackInuse, heapInuse, sys uint64
}

func measure() snapshot {
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return snapshot{
		rss:        status("VmRSS"),
		vmsize:     status("VmSize"),
		stackInuse: stats.StackInuse,
		heapInuse:  stats.HeapInuse,
		sys:        stats.Sys,
	}
}

func main() {
	tasks := flag.Int("tasks", 1000, "goroutines to run at once")
	shape := flag.String("shape", "sleep", "task shape: sleep or buffer")
	sleep := flag.Duration("sleep", 5*time.Second, "how long each goroutine sleeps")
	flag.Parse()

	var task func(time.Duration, *sync.WaitGroup, *sync.WaitGroup)
	switch *shape {
	case "sleep":
		task = sleeper
	case "buffer":
		task = buffered
	default:
		fmt.Fprintf(os.Stderr, "unknown shape `%s`: expected `sleep` or `buffer`\n", *shape)
		os.Exit(2)
	}
	if *tasks < 0 {
		fmt.Fprintf(os.Stderr, "-tasks must not be negative, got %d\n", *tasks)
		os.Exit(2)
	}

	runtime.GC()
	before := measure()
	var started, done sync.WaitGroup
	started.Add(*tasks)
	done.Add(*tasks)
	spawnStart := time.Now()
	for i := 0; i < *tasks; i++ {
		go task(*sleep, &started, &done)
	}
	started.Wait()
	spawnSeconds := time.Since(spawnStart).Seconds()
	// Let the last goroutines reach their sleep before memory is read.
	time.Sleep(10 * time.Millisecond)
	after := measure()
	running := runtime.NumGoroutine() - 1
	done.Wait()

	out, err := json.Marshal(map[string]any{
		"go_version":         runtime.Version(),
		"shape":              *shape,
		"tasks":              *tasks,
		"running":            running,
		"spawn_seconds":      spawnSeconds,
		"rss_before":         before.rss,
		"rss_after":          after.rss,
		"vmsize_before":      before.vmsize,
		"vmsize_after":       after.vmsize,
		"stack_inuse_before": before.stackInuse,
		"stack_inuse_after":  after.stackInuse,
		"heap_inuse_before":  before.heapInuse,
		"heap_inuse_after":   after.heapInuse,
		"sys_before":         before.sys,
		"sys_after":          after.sys,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
