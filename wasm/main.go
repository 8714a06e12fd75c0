package main

// main is never called: the module is a reactor, built with -buildmode=c-shared, whose
// _initialize runs package initialisation and returns.
func main() {}
