// Package syncbuf is a bytes buffer that goroutines may write and read at once: the sink of a
// test's logs, or of a child process's output, read while it is still being written.
package syncbuf
