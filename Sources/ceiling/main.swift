// Entry point: pick OpenBLAS's AVX-512 kernels where the CPU has them, then run the command.
BLASKernelSelection.restartWithAVX512KernelsIfAvailable()
Ceiling.main()
