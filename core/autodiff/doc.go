// Package autodiff is the reverse-mode differentiation engine that trains SEMINAR: a Tape records
// float32 operations on row-major matrices for one example (or one mini-batch), and Backward
// accumulates the gradient of a scalar loss into the Grads of the trainable Params.
//
// # Shapes
//
// Every value is a rows×cols row-major matrix; a vector is a 1×n row vector and a scalar is 1×1.
// Weight matrices are stored d_out×d_in, so a linear layer over a batch X (n×d_in) is
// MatMulT(X, W) and over one vector x is MatVec(W, x) (both give rows of length d_out).
//
// # Parameters
//
// A Param is a view onto float32 storage that the model owns, so training updates the model's
// tensors in place. Dense params (projections, MLP layers, gate logits) get a dense gradient
// buffer. Sparse params (embedding tables) are read only through Gather, GatherSum and
// GatherMean, and their gradient is kept for the touched rows only.
//
// # Precision
//
// Values and gradients are float32, the type of the model and of the kernels (core/kernels)
// that do the inner loops. Scalar reductions whose length is not bounded by d (Sum, Mean,
// losses, gradient norms) accumulate in float64. Softmax normalisers are the float32 sums of
// kernels.ExpShifted (relative error below n·2⁻²⁴ over a row of n, 3·10⁻⁵ for n = 512, far
// below the sampling noise): float64 math.Exp per element was a fifth of training's time. The
// rounding of float32
// gradient accumulation over a mini-batch (relative error about √n·2⁻²⁴, 10⁻⁶ for n = 256) is
// far below the noise of the mini-batch sample itself, and Adam normalises the step size; a
// float64 gradient would double the memory of every per-worker gradient buffer for no
// measurable gain.
//
// # Errors
//
// Operations do not return errors one by one: the first invalid operation (mismatched shapes, an
// out-of-range row, an invalid Var) makes the Tape fail. It returns the zero Var, every later
// operation on it returns the zero Var too, and Err and Backward report the first error. No
// operation panics on bad input.
//
// # Memory
//
// A Tape keeps its node list and its value and gradient memory across Reset, so that once it
// has seen the largest graph, recording and differentiating another example allocates nothing.
// Values returned by Value and Grad are valid until the next Reset.
//
// # Concurrency
//
// A Tape and a Grads belong to one goroutine. Several tapes may read the same Params at once
// while each writes its own Grads; DataParallel runs a mini-batch that way and reduces the
// gradients in a fixed order, so a step is bit-identical whatever the scheduling.
package autodiff
