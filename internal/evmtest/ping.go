package evmtest

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// PingTopic is topic 0 of the contract's only event, Ping(address indexed sender, uint256
// indexed i); the data is i again, as one 32-byte word.
var PingTopic = crypto.Keccak256Hash([]byte("Ping(address,uint256)"))

// PingGasPerLog bounds the gas one Ping log costs a call (LOG3 with 32 bytes of data, and the
// loop), for callers that size their gas limit by the logs they ask for.
const PingGasPerLog = 2_000

// PingInitCode returns the creation code of the contract: every call reads n from the first
// calldata word and emits Ping(msg.sender, i) for i = 0..n-1.
func PingInitCode() []byte {
	runtime := []byte{
		0x60, 0x00, 0x35, //       PUSH1 0 CALLDATALOAD     [n]
		0x60, 0x00, //             PUSH1 0                  [i n]
		0x5b,       //             0x05 JUMPDEST loop
		0x81, 0x81, //             DUP2 DUP2                [i n i n]
		0x10, 0x15, //             LT ISZERO                [!(i<n) i n]
		0x60, 0x3f, 0x57, //       PUSH1 end JUMPI          [i n]
		0x80, 0x60, 0x00, 0x52, // DUP1 PUSH1 0 MSTORE      mem[0:32] = i
		0x80, //                   DUP1                     [i i n]
		0x33, //                   CALLER                   [sender i i n]
		0x7f, //                   PUSH32 PingTopic         [topic sender i i n]
	}
	runtime = append(runtime, PingTopic.Bytes()...)
	runtime = append(runtime,
		0x60, 0x20, 0x60, 0x00, // PUSH1 32 PUSH1 0         [0 32 topic sender i i n]
		0xa3,             //       LOG3                     [i n]
		0x60, 0x01, 0x01, //       PUSH1 1 ADD              [i+1 n]
		0x60, 0x05, 0x56, //       PUSH1 loop JUMP
		0x5b, 0x00, //             0x3f JUMPDEST end, STOP
	)
	if len(runtime) != 0x41 {
		panic("evmtest: the ping runtime's layout changed; fix the jump targets")
	}
	// Constructor: copy the runtime (which follows these 11 bytes) to memory and return it.
	init := []byte{0x60, byte(len(runtime)), 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3}
	return append(init, runtime...)
}

// PingCall returns the calldata asking the contract for n logs.
func PingCall(n int64) []byte { return common.BigToHash(big.NewInt(n)).Bytes() }

// PingNumber is the topic a log of number i in its call carries at position 2.
func PingNumber(i int64) common.Hash { return common.BigToHash(big.NewInt(i)) }
