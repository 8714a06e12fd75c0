package autodiff

// backward adds n's contribution to the gradients of its inputs, given n.grad.
func (t *Tape) backward(n *node) {
	switch n.op {
	case opLeaf, opView:
		// Leaves have no inputs; views share their input's gradient memory.
	case opAdd, opSub, opMul:
		t.backBinary(n)
	case opScale, opAddConst:
		t.backScale(n)
	case opMulScalar:
		t.backMulScalar(n)
	case opLerp:
		t.backLerp(n)
	case opAddBias:
		t.backAddBias(n)
	case opReLU, opSigmoid, opTanh, opSoftplus, opLogSigmoid:
		t.backUnary(n)
	case opSum, opMean:
		t.backReduce(n)
	case opSumRows, opMeanRows:
		t.backReduceRows(n)
	case opDot:
		t.backDot(n)
	case opMatMulT:
		t.backMatMulT(n)
	case opMatMul:
		t.backMatMul(n)
	case opSoftmax, opLogSoftmax, opMaskedSoftmax:
		t.backSoftmax(n)
	case opL2Normalize:
		t.backL2Normalize(n)
	case opConcat, opConcatRows:
		t.backConcat(n)
	case opSliceCols:
		t.backSliceCols(n)
	case opGatherRows:
		t.backGatherRows(n)
	case opGather, opGatherSum, opGatherMean:
		t.backGather(n)
	case opBCEWithLogits:
		t.backBCEWithLogits(n)
	case opCrossEntropy:
		t.backCrossEntropy(n)
	}
}
