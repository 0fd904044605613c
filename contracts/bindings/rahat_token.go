// Code generated - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package bindings

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"time"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/event"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = errors.New
	_ = big.NewInt
	_ = strings.NewReader
	_ = ethereum.NotFound
	_ = bind.Bind
	_ = common.Big1
	_ = types.BloomLookup
	_ = event.NewSubscription
	_ = abi.ConvertType
	_ = time.Tick
	_ = context.Background
)

// RahatTokenMetaData contains all meta data concerning the RahatToken contract.
var RahatTokenMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name_\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"symbol_\",\"type\":\"string\"},{\"internalType\":\"uint8\",\"name\":\"decimals_\",\"type\":\"uint8\"},{\"internalType\":\"address\",\"name\":\"owner_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"AlreadyOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"allowance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"ERC20InsufficientAllowance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"balance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"ERC20InsufficientBalance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"approver\",\"type\":\"address\"}],\"name\":\"ERC20InvalidApprover\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"receiver\",\"type\":\"address\"}],\"name\":\"ERC20InvalidReceiver\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"sender\",\"type\":\"address\"}],\"name\":\"ERC20InvalidSender\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"}],\"name\":\"ERC20InvalidSpender\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"LastOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"left\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"right\",\"type\":\"uint256\"}],\"name\":\"LengthMismatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"NotOwner\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Approval\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"OwnerAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"OwnerRemoved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Transfer\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"addOwner\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"}],\"name\":\"allowance\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"approve\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"balanceOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"burn\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"burnFrom\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"decimals\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isOwner\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"mint\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address[]\",\"name\":\"to\",\"type\":\"address[]\"},{\"internalType\":\"uint256[]\",\"name\":\"amounts\",\"type\":\"uint256[]\"}],\"name\":\"mintBatch\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address[]\",\"name\":\"to\",\"type\":\"address[]\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"rounds\",\"type\":\"uint256\"}],\"name\":\"mintBatchRepeat\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"name\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"ownerCount\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"removeOwner\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"symbol\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"totalSupply\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"transfer\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"transferFrom\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x60a060405234801561000f575f5ffd5b5060405161110f38038061110f83398101604081905261002e9161016e565b8383600361003c8382610297565b5060046100498282610297565b5050506001600160a01b0381166100735760405163d92e233d60e01b815260040160405180910390fd5b60ff82166080526001600160a01b0381165f81815260056020526040808220805460ff19166001908117909155600655517f994a936646fe87ffe4f1e469d3d6aa417d6b855598397f323de5b449f765f0c39190a250505050610355565b634e487b7160e01b5f52604160045260245ffd5b5f82601f8301126100f4575f5ffd5b81516001600160401b0381111561010d5761010d6100d1565b604051601f8201601f19908116603f011681016001600160401b038111828210171561013b5761013b6100d1565b604052818152838201602001851015610152575f5ffd5b8160208501602083015e5f918101602001919091529392505050565b5f5f5f5f60808587031215610181575f5ffd5b84516001600160401b03811115610196575f5ffd5b6101a2878288016100e5565b602087015190955090506001600160401b038111156101bf575f5ffd5b6101cb878288016100e5565b935050604085015160ff811681146101e1575f5ffd5b60608601519092506001600160a01b03811681146101fd575f5ffd5b939692955090935050565b600181811c9082168061021c57607f821691505b60208210810361023a57634e487b7160e01b5f52602260045260245ffd5b50919050565b601f821115610292578282111561029257805f5260205f20601f840160051c602085101561026b57505f5b90810190601f840160051c035f5b8181101561028e575f83820155600101610279565b5050505b505050565b81516001600160401b038111156102b0576102b06100d1565b6102c4816102be8454610208565b84610240565b6020601f8211600181146102f6575f83156102df5750848201515b5f19600385901b1c1916600184901b17845561034e565b5f84815260208120601f198516915b828110156103255787850151825560209485019460019092019101610305565b508482101561034257868401515f19600387901b60f8161c191681555b505060018360011b0184555b5050505050565b608051610da261036d5f395f6101d90152610da25ff3fe608060405234801561000f575f5ffd5b5060043610610111575f3560e01c806340c10f191161009e57806379cc67901161006e57806379cc6790146102645780637c88e3d91461027757806395d89b411461028a578063a9059cbb14610292578063dd62ed3e146102a5575f5ffd5b806340c10f191461020357806342966c68146102165780637065cb481461022957806370a082311461023c575f5ffd5b8063173825d9116100e4578063173825d91461018257806318160ddd1461019557806323b872dd1461019d5780632f54bf6e146101b0578063313ce567146101d2575f5ffd5b806306fdde0314610115578063095ea7b3146101335780630a535fa9146101565780630db026221461016b575b5f5ffd5b61011d6102dd565b60405161012a9190610acb565b60405180910390f35b610146610141366004610b1b565b61036d565b604051901515815260200161012a565b610169610164366004610b8b565b610386565b005b61017460065481565b60405190815260200161012a565b610169610190366004610bd8565b610418565b600254610174565b6101466101ab366004610bf8565b61051c565b6101466101be366004610bd8565b60056020525f908152604090205460ff1681565b60405160ff7f000000000000000000000000000000000000000000000000000000000000000016815260200161012a565b610169610211366004610b1b565b61053f565b610169610224366004610c32565b61057e565b610169610237366004610bd8565b61058b565b61017461024a366004610bd8565b6001600160a01b03165f9081526020819052604090205490565b610169610272366004610b1b565b61069a565b610169610285366004610c49565b6106af565b61011d610764565b6101466102a0366004610b1b565b610773565b6101746102b3366004610cb5565b6001600160a01b039182165f90815260016020908152604080832093909416825291909152205490565b6060600380546102ec90610ce6565b80601f016020809104026020016040519081016040528092919081815260200182805461031890610ce6565b80156103635780601f1061033a57610100808354040283529160200191610363565b820191905f5260205f20905b81548152906001019060200180831161034657829003601f168201915b5050505050905090565b5f3361037a818585610780565b60019150505b92915050565b335f9081526005602052604090205460ff166103bc5760405163245aecd360e01b81523360048201526024015b60405180910390fd5b5f5b81811015610411575f5b84811015610408576104008686838181106103e5576103e5610d1e565b90506020020160208101906103fa9190610bd8565b85610792565b6001016103c8565b506001016103be565b5050505050565b335f9081526005602052604090205460ff166104495760405163245aecd360e01b81523360048201526024016103b3565b6001600160a01b0381165f9081526005602052604090205460ff1661048c5760405163245aecd360e01b81526001600160a01b03821660048201526024016103b3565b6006546001036104af5760405163948bf89760e01b815260040160405180910390fd5b6001600160a01b0381165f908152600560205260408120805460ff1916905560068054600192906104e1908490610d46565b90915550506040516001600160a01b038216907f58619076adf5bb0943d100ef88d52d7c3fd691b19d3a9071b555b651fbf418da905f90a250565b5f336105298582856107c6565b610534858585610842565b506001949350505050565b335f9081526005602052604090205460ff166105705760405163245aecd360e01b81523360048201526024016103b3565b61057a8282610792565b5050565b610588338261089f565b50565b335f9081526005602052604090205460ff166105bc5760405163245aecd360e01b81523360048201526024016103b3565b6001600160a01b0381166105e35760405163d92e233d60e01b815260040160405180910390fd5b6001600160a01b0381165f9081526005602052604090205460ff1615610627576040516322fae4a360e21b81526001600160a01b03821660048201526024016103b3565b6001600160a01b0381165f908152600560205260408120805460ff19166001908117909155600680549192909161065f908490610d59565b90915550506040516001600160a01b038216907f994a936646fe87ffe4f1e469d3d6aa417d6b855598397f323de5b449f765f0c3905f90a250565b6106a58233836107c6565b61057a828261089f565b335f9081526005602052604090205460ff166106e05760405163245aecd360e01b81523360048201526024016103b3565b82811461070a576040516355c5b3e360e11b815260048101849052602481018290526044016103b3565b5f5b838110156104115761075c85858381811061072957610729610d1e565b905060200201602081019061073e9190610bd8565b84848481811061075057610750610d1e565b90506020020135610792565b60010161070c565b6060600480546102ec90610ce6565b5f3361037a818585610842565b61078d83838360016108d3565b505050565b6001600160a01b0382166107bb5760405163ec442f0560e01b81525f60048201526024016103b3565b61057a5f83836109a5565b6001600160a01b038381165f908152600160209081526040808320938616835292905220545f1981101561083c578181101561082e57604051637dc7a0d960e11b81526001600160a01b038416600482015260248101829052604481018390526064016103b3565b61083c84848484035f6108d3565b50505050565b6001600160a01b03831661086b57604051634b637e8f60e11b81525f60048201526024016103b3565b6001600160a01b0382166108945760405163ec442f0560e01b81525f60048201526024016103b3565b61078d8383836109a5565b6001600160a01b0382166108c857604051634b637e8f60e11b81525f60048201526024016103b3565b61057a825f836109a5565b6001600160a01b0384166108fc5760405163e602df0560e01b81525f60048201526024016103b3565b6001600160a01b03831661092557604051634a1406b160e11b81525f60048201526024016103b3565b6001600160a01b038085165f908152600160209081526040808320938716835292905220829055801561083c57826001600160a01b0316846001600160a01b03167f8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b9258460405161099791815260200190565b60405180910390a350505050565b6001600160a01b0383166109cf578060025f8282546109c49190610d59565b90915550610a3f9050565b6001600160a01b0383165f9081526020819052604090205481811015610a215760405163391434e360e21b81526001600160a01b038516600482015260248101829052604481018390526064016103b3565b6001600160a01b0384165f9081526020819052604090209082900390555b6001600160a01b038216610a5b57600280548290039055610a79565b6001600160a01b0382165f9081526020819052604090208054820190555b816001600160a01b0316836001600160a01b03167fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef83604051610abe91815260200190565b60405180910390a3505050565b602081525f82518060208401528060208501604085015e5f604082850101526040601f19601f83011684010191505092915050565b80356001600160a01b0381168114610b16575f5ffd5b919050565b5f5f60408385031215610b2c575f5ffd5b610b3583610b00565b946020939093013593505050565b5f5f83601f840112610b53575f5ffd5b50813567ffffffffffffffff811115610b6a575f5ffd5b6020830191508360208260051b8501011115610b84575f5ffd5b9250929050565b5f5f5f5f60608587031215610b9e575f5ffd5b843567ffffffffffffffff811115610bb4575f5ffd5b610bc087828801610b43565b90989097506020870135966040013595509350505050565b5f60208284031215610be8575f5ffd5b610bf182610b00565b9392505050565b5f5f5f60608486031215610c0a575f5ffd5b610c1384610b00565b9250610c2160208501610b00565b929592945050506040919091013590565b5f60208284031215610c42575f5ffd5b5035919050565b5f5f5f5f60408587031215610c5c575f5ffd5b843567ffffffffffffffff811115610c72575f5ffd5b610c7e87828801610b43565b909550935050602085013567ffffffffffffffff811115610c9d575f5ffd5b610ca987828801610b43565b95989497509550505050565b5f5f60408385031215610cc6575f5ffd5b610ccf83610b00565b9150610cdd60208401610b00565b90509250929050565b600181811c90821680610cfa57607f821691505b602082108103610d1857634e487b7160e01b5f52602260045260245ffd5b50919050565b634e487b7160e01b5f52603260045260245ffd5b634e487b7160e01b5f52601160045260245ffd5b8181038181111561038057610380610d32565b8082018082111561038057610380610d3256fea26469706673582212209c85b2faa4583b913ea118ac8b37731b2e012e3b64b925a1f6fce724d15f895f64736f6c63430008250033",
}

// RahatTokenABI is the input ABI used to generate the binding from.
// Deprecated: Use RahatTokenMetaData.ABI instead.
var RahatTokenABI = RahatTokenMetaData.ABI

// RahatTokenBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use RahatTokenMetaData.Bin instead.
var RahatTokenBin = RahatTokenMetaData.Bin

// DeployRahatToken deploys a new Ethereum contract, binding an instance of RahatToken to it.
func DeployRahatToken(auth *bind.TransactOpts, backend bind.ContractBackend, name_ string, symbol_ string, decimals_ uint8, owner_ common.Address) (common.Address, *types.Transaction, *RahatToken, error) {
	parsed, err := RahatTokenMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(RahatTokenBin), backend, name_, symbol_, decimals_, owner_)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &RahatToken{RahatTokenCaller: RahatTokenCaller{contract: contract}, RahatTokenTransactor: RahatTokenTransactor{contract: contract}, RahatTokenFilterer: RahatTokenFilterer{contract: contract}}, nil
}

// RahatToken is an auto generated Go binding around an Ethereum contract.
type RahatToken struct {
	RahatTokenCaller     // Read-only binding to the contract
	RahatTokenTransactor // Write-only binding to the contract
	RahatTokenFilterer   // Log filterer for contract events
}

// RahatTokenCaller is an auto generated read-only Go binding around an Ethereum contract.
type RahatTokenCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RahatTokenTransactor is an auto generated write-only Go binding around an Ethereum contract.
type RahatTokenTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RahatTokenFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type RahatTokenFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RahatTokenSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type RahatTokenSession struct {
	Contract     *RahatToken       // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// RahatTokenCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type RahatTokenCallerSession struct {
	Contract *RahatTokenCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts     // Call options to use throughout this session
}

// RahatTokenTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type RahatTokenTransactorSession struct {
	Contract     *RahatTokenTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts     // Transaction auth options to use throughout this session
}

// RahatTokenRaw is an auto generated low-level Go binding around an Ethereum contract.
type RahatTokenRaw struct {
	Contract *RahatToken // Generic contract binding to access the raw methods on
}

// RahatTokenCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type RahatTokenCallerRaw struct {
	Contract *RahatTokenCaller // Generic read-only contract binding to access the raw methods on
}

// RahatTokenTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type RahatTokenTransactorRaw struct {
	Contract *RahatTokenTransactor // Generic write-only contract binding to access the raw methods on
}

// NewRahatToken creates a new instance of RahatToken, bound to a specific deployed contract.
func NewRahatToken(address common.Address, backend bind.ContractBackend) (*RahatToken, error) {
	contract, err := bindRahatToken(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &RahatToken{RahatTokenCaller: RahatTokenCaller{contract: contract}, RahatTokenTransactor: RahatTokenTransactor{contract: contract}, RahatTokenFilterer: RahatTokenFilterer{contract: contract}}, nil
}

// NewRahatTokenCaller creates a new read-only instance of RahatToken, bound to a specific deployed contract.
func NewRahatTokenCaller(address common.Address, caller bind.ContractCaller) (*RahatTokenCaller, error) {
	contract, err := bindRahatToken(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &RahatTokenCaller{contract: contract}, nil
}

// NewRahatTokenTransactor creates a new write-only instance of RahatToken, bound to a specific deployed contract.
func NewRahatTokenTransactor(address common.Address, transactor bind.ContractTransactor) (*RahatTokenTransactor, error) {
	contract, err := bindRahatToken(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &RahatTokenTransactor{contract: contract}, nil
}

// NewRahatTokenFilterer creates a new log filterer instance of RahatToken, bound to a specific deployed contract.
func NewRahatTokenFilterer(address common.Address, filterer bind.ContractFilterer) (*RahatTokenFilterer, error) {
	contract, err := bindRahatToken(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &RahatTokenFilterer{contract: contract}, nil
}

// bindRahatToken binds a generic wrapper to an already deployed contract.
func bindRahatToken(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := RahatTokenMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_RahatToken *RahatTokenRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _RahatToken.Contract.RahatTokenCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_RahatToken *RahatTokenRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _RahatToken.Contract.RahatTokenTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_RahatToken *RahatTokenRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _RahatToken.Contract.RahatTokenTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_RahatToken *RahatTokenCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _RahatToken.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_RahatToken *RahatTokenTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _RahatToken.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_RahatToken *RahatTokenTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _RahatToken.Contract.contract.Transact(opts, method, params...)
}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (_RahatToken *RahatTokenCaller) Allowance(opts *bind.CallOpts, owner common.Address, spender common.Address) (*big.Int, error) {
	var out []interface{}
	err := _RahatToken.contract.Call(opts, &out, "allowance", owner, spender)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (_RahatToken *RahatTokenSession) Allowance(owner common.Address, spender common.Address) (*big.Int, error) {
	return _RahatToken.Contract.Allowance(&_RahatToken.CallOpts, owner, spender)
}

// Allowance is a free data retrieval call binding the contract method 0xdd62ed3e.
//
// Solidity: function allowance(address owner, address spender) view returns(uint256)
func (_RahatToken *RahatTokenCallerSession) Allowance(owner common.Address, spender common.Address) (*big.Int, error) {
	return _RahatToken.Contract.Allowance(&_RahatToken.CallOpts, owner, spender)
}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (_RahatToken *RahatTokenCaller) BalanceOf(opts *bind.CallOpts, account common.Address) (*big.Int, error) {
	var out []interface{}
	err := _RahatToken.contract.Call(opts, &out, "balanceOf", account)

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (_RahatToken *RahatTokenSession) BalanceOf(account common.Address) (*big.Int, error) {
	return _RahatToken.Contract.BalanceOf(&_RahatToken.CallOpts, account)
}

// BalanceOf is a free data retrieval call binding the contract method 0x70a08231.
//
// Solidity: function balanceOf(address account) view returns(uint256)
func (_RahatToken *RahatTokenCallerSession) BalanceOf(account common.Address) (*big.Int, error) {
	return _RahatToken.Contract.BalanceOf(&_RahatToken.CallOpts, account)
}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_RahatToken *RahatTokenCaller) Decimals(opts *bind.CallOpts) (uint8, error) {
	var out []interface{}
	err := _RahatToken.contract.Call(opts, &out, "decimals")

	if err != nil {
		return *new(uint8), err
	}

	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)

	return out0, err

}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_RahatToken *RahatTokenSession) Decimals() (uint8, error) {
	return _RahatToken.Contract.Decimals(&_RahatToken.CallOpts)
}

// Decimals is a free data retrieval call binding the contract method 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (_RahatToken *RahatTokenCallerSession) Decimals() (uint8, error) {
	return _RahatToken.Contract.Decimals(&_RahatToken.CallOpts)
}

// IsOwner is a free data retrieval call binding the contract method 0x2f54bf6e.
//
// Solidity: function isOwner(address ) view returns(bool)
func (_RahatToken *RahatTokenCaller) IsOwner(opts *bind.CallOpts, arg0 common.Address) (bool, error) {
	var out []interface{}
	err := _RahatToken.contract.Call(opts, &out, "isOwner", arg0)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// IsOwner is a free data retrieval call binding the contract method 0x2f54bf6e.
//
// Solidity: function isOwner(address ) view returns(bool)
func (_RahatToken *RahatTokenSession) IsOwner(arg0 common.Address) (bool, error) {
	return _RahatToken.Contract.IsOwner(&_RahatToken.CallOpts, arg0)
}

// IsOwner is a free data retrieval call binding the contract method 0x2f54bf6e.
//
// Solidity: function isOwner(address ) view returns(bool)
func (_RahatToken *RahatTokenCallerSession) IsOwner(arg0 common.Address) (bool, error) {
	return _RahatToken.Contract.IsOwner(&_RahatToken.CallOpts, arg0)
}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_RahatToken *RahatTokenCaller) Name(opts *bind.CallOpts) (string, error) {
	var out []interface{}
	err := _RahatToken.contract.Call(opts, &out, "name")

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_RahatToken *RahatTokenSession) Name() (string, error) {
	return _RahatToken.Contract.Name(&_RahatToken.CallOpts)
}

// Name is a free data retrieval call binding the contract method 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (_RahatToken *RahatTokenCallerSession) Name() (string, error) {
	return _RahatToken.Contract.Name(&_RahatToken.CallOpts)
}

// OwnerCount is a free data retrieval call binding the contract method 0x0db02622.
//
// Solidity: function ownerCount() view returns(uint256)
func (_RahatToken *RahatTokenCaller) OwnerCount(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _RahatToken.contract.Call(opts, &out, "ownerCount")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// OwnerCount is a free data retrieval call binding the contract method 0x0db02622.
//
// Solidity: function ownerCount() view returns(uint256)
func (_RahatToken *RahatTokenSession) OwnerCount() (*big.Int, error) {
	return _RahatToken.Contract.OwnerCount(&_RahatToken.CallOpts)
}

// OwnerCount is a free data retrieval call binding the contract method 0x0db02622.
//
// Solidity: function ownerCount() view returns(uint256)
func (_RahatToken *RahatTokenCallerSession) OwnerCount() (*big.Int, error) {
	return _RahatToken.Contract.OwnerCount(&_RahatToken.CallOpts)
}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_RahatToken *RahatTokenCaller) Symbol(opts *bind.CallOpts) (string, error) {
	var out []interface{}
	err := _RahatToken.contract.Call(opts, &out, "symbol")

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_RahatToken *RahatTokenSession) Symbol() (string, error) {
	return _RahatToken.Contract.Symbol(&_RahatToken.CallOpts)
}

// Symbol is a free data retrieval call binding the contract method 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (_RahatToken *RahatTokenCallerSession) Symbol() (string, error) {
	return _RahatToken.Contract.Symbol(&_RahatToken.CallOpts)
}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_RahatToken *RahatTokenCaller) TotalSupply(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _RahatToken.contract.Call(opts, &out, "totalSupply")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_RahatToken *RahatTokenSession) TotalSupply() (*big.Int, error) {
	return _RahatToken.Contract.TotalSupply(&_RahatToken.CallOpts)
}

// TotalSupply is a free data retrieval call binding the contract method 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (_RahatToken *RahatTokenCallerSession) TotalSupply() (*big.Int, error) {
	return _RahatToken.Contract.TotalSupply(&_RahatToken.CallOpts)
}

// AddOwner is a paid mutator transaction binding the contract method 0x7065cb48.
//
// Solidity: function addOwner(address account) returns()
func (_RahatToken *RahatTokenTransactor) AddOwner(opts *bind.TransactOpts, account common.Address) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "addOwner", account)
}

// AddOwner is a paid mutator transaction binding the contract method 0x7065cb48.
//
// Solidity: function addOwner(address account) returns()
func (_RahatToken *RahatTokenSession) AddOwner(account common.Address) (*types.Transaction, error) {
	return _RahatToken.Contract.AddOwner(&_RahatToken.TransactOpts, account)
}

// AddOwner is a paid mutator transaction binding the contract method 0x7065cb48.
//
// Solidity: function addOwner(address account) returns()
func (_RahatToken *RahatTokenTransactorSession) AddOwner(account common.Address) (*types.Transaction, error) {
	return _RahatToken.Contract.AddOwner(&_RahatToken.TransactOpts, account)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_RahatToken *RahatTokenTransactor) Approve(opts *bind.TransactOpts, spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "approve", spender, value)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_RahatToken *RahatTokenSession) Approve(spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.Approve(&_RahatToken.TransactOpts, spender, value)
}

// Approve is a paid mutator transaction binding the contract method 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 value) returns(bool)
func (_RahatToken *RahatTokenTransactorSession) Approve(spender common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.Approve(&_RahatToken.TransactOpts, spender, value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_RahatToken *RahatTokenTransactor) Burn(opts *bind.TransactOpts, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "burn", value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_RahatToken *RahatTokenSession) Burn(value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.Burn(&_RahatToken.TransactOpts, value)
}

// Burn is a paid mutator transaction binding the contract method 0x42966c68.
//
// Solidity: function burn(uint256 value) returns()
func (_RahatToken *RahatTokenTransactorSession) Burn(value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.Burn(&_RahatToken.TransactOpts, value)
}

// BurnFrom is a paid mutator transaction binding the contract method 0x79cc6790.
//
// Solidity: function burnFrom(address account, uint256 value) returns()
func (_RahatToken *RahatTokenTransactor) BurnFrom(opts *bind.TransactOpts, account common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "burnFrom", account, value)
}

// BurnFrom is a paid mutator transaction binding the contract method 0x79cc6790.
//
// Solidity: function burnFrom(address account, uint256 value) returns()
func (_RahatToken *RahatTokenSession) BurnFrom(account common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.BurnFrom(&_RahatToken.TransactOpts, account, value)
}

// BurnFrom is a paid mutator transaction binding the contract method 0x79cc6790.
//
// Solidity: function burnFrom(address account, uint256 value) returns()
func (_RahatToken *RahatTokenTransactorSession) BurnFrom(account common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.BurnFrom(&_RahatToken.TransactOpts, account, value)
}

// Mint is a paid mutator transaction binding the contract method 0x40c10f19.
//
// Solidity: function mint(address to, uint256 amount) returns()
func (_RahatToken *RahatTokenTransactor) Mint(opts *bind.TransactOpts, to common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "mint", to, amount)
}

// Mint is a paid mutator transaction binding the contract method 0x40c10f19.
//
// Solidity: function mint(address to, uint256 amount) returns()
func (_RahatToken *RahatTokenSession) Mint(to common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.Mint(&_RahatToken.TransactOpts, to, amount)
}

// Mint is a paid mutator transaction binding the contract method 0x40c10f19.
//
// Solidity: function mint(address to, uint256 amount) returns()
func (_RahatToken *RahatTokenTransactorSession) Mint(to common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.Mint(&_RahatToken.TransactOpts, to, amount)
}

// MintBatch is a paid mutator transaction binding the contract method 0x7c88e3d9.
//
// Solidity: function mintBatch(address[] to, uint256[] amounts) returns()
func (_RahatToken *RahatTokenTransactor) MintBatch(opts *bind.TransactOpts, to []common.Address, amounts []*big.Int) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "mintBatch", to, amounts)
}

// MintBatch is a paid mutator transaction binding the contract method 0x7c88e3d9.
//
// Solidity: function mintBatch(address[] to, uint256[] amounts) returns()
func (_RahatToken *RahatTokenSession) MintBatch(to []common.Address, amounts []*big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.MintBatch(&_RahatToken.TransactOpts, to, amounts)
}

// MintBatch is a paid mutator transaction binding the contract method 0x7c88e3d9.
//
// Solidity: function mintBatch(address[] to, uint256[] amounts) returns()
func (_RahatToken *RahatTokenTransactorSession) MintBatch(to []common.Address, amounts []*big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.MintBatch(&_RahatToken.TransactOpts, to, amounts)
}

// MintBatchRepeat is a paid mutator transaction binding the contract method 0x0a535fa9.
//
// Solidity: function mintBatchRepeat(address[] to, uint256 amount, uint256 rounds) returns()
func (_RahatToken *RahatTokenTransactor) MintBatchRepeat(opts *bind.TransactOpts, to []common.Address, amount *big.Int, rounds *big.Int) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "mintBatchRepeat", to, amount, rounds)
}

// MintBatchRepeat is a paid mutator transaction binding the contract method 0x0a535fa9.
//
// Solidity: function mintBatchRepeat(address[] to, uint256 amount, uint256 rounds) returns()
func (_RahatToken *RahatTokenSession) MintBatchRepeat(to []common.Address, amount *big.Int, rounds *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.MintBatchRepeat(&_RahatToken.TransactOpts, to, amount, rounds)
}

// MintBatchRepeat is a paid mutator transaction binding the contract method 0x0a535fa9.
//
// Solidity: function mintBatchRepeat(address[] to, uint256 amount, uint256 rounds) returns()
func (_RahatToken *RahatTokenTransactorSession) MintBatchRepeat(to []common.Address, amount *big.Int, rounds *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.MintBatchRepeat(&_RahatToken.TransactOpts, to, amount, rounds)
}

// RemoveOwner is a paid mutator transaction binding the contract method 0x173825d9.
//
// Solidity: function removeOwner(address account) returns()
func (_RahatToken *RahatTokenTransactor) RemoveOwner(opts *bind.TransactOpts, account common.Address) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "removeOwner", account)
}

// RemoveOwner is a paid mutator transaction binding the contract method 0x173825d9.
//
// Solidity: function removeOwner(address account) returns()
func (_RahatToken *RahatTokenSession) RemoveOwner(account common.Address) (*types.Transaction, error) {
	return _RahatToken.Contract.RemoveOwner(&_RahatToken.TransactOpts, account)
}

// RemoveOwner is a paid mutator transaction binding the contract method 0x173825d9.
//
// Solidity: function removeOwner(address account) returns()
func (_RahatToken *RahatTokenTransactorSession) RemoveOwner(account common.Address) (*types.Transaction, error) {
	return _RahatToken.Contract.RemoveOwner(&_RahatToken.TransactOpts, account)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_RahatToken *RahatTokenTransactor) Transfer(opts *bind.TransactOpts, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "transfer", to, value)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_RahatToken *RahatTokenSession) Transfer(to common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.Transfer(&_RahatToken.TransactOpts, to, value)
}

// Transfer is a paid mutator transaction binding the contract method 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 value) returns(bool)
func (_RahatToken *RahatTokenTransactorSession) Transfer(to common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.Transfer(&_RahatToken.TransactOpts, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_RahatToken *RahatTokenTransactor) TransferFrom(opts *bind.TransactOpts, from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.contract.Transact(opts, "transferFrom", from, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_RahatToken *RahatTokenSession) TransferFrom(from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.TransferFrom(&_RahatToken.TransactOpts, from, to, value)
}

// TransferFrom is a paid mutator transaction binding the contract method 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 value) returns(bool)
func (_RahatToken *RahatTokenTransactorSession) TransferFrom(from common.Address, to common.Address, value *big.Int) (*types.Transaction, error) {
	return _RahatToken.Contract.TransferFrom(&_RahatToken.TransactOpts, from, to, value)
}

// RahatTokenApprovalIterator is returned from FilterApproval and is used to iterate over the raw logs and unpacked data for Approval events raised by the RahatToken contract.
type RahatTokenApprovalIterator struct {
	Event *RahatTokenApproval // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *RahatTokenApprovalIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RahatTokenApproval)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(RahatTokenApproval)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *RahatTokenApprovalIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RahatTokenApprovalIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RahatTokenApproval represents a Approval event raised by the RahatToken contract.
type RahatTokenApproval struct {
	Owner   common.Address
	Spender common.Address
	Value   *big.Int
	Raw     types.Log // Blockchain specific contextual infos
}

// FilterApproval is a free log retrieval operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_RahatToken *RahatTokenFilterer) FilterApproval(opts *bind.FilterOpts, owner []common.Address, spender []common.Address) (*RahatTokenApprovalIterator, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var spenderRule []interface{}
	for _, spenderItem := range spender {
		spenderRule = append(spenderRule, spenderItem)
	}

	logs, sub, err := _RahatToken.contract.FilterLogs(opts, "Approval", ownerRule, spenderRule)
	if err != nil {
		return nil, err
	}
	return &RahatTokenApprovalIterator{contract: _RahatToken.contract, event: "Approval", logs: logs, sub: sub}, nil
}

// WatchApproval is a free log subscription operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_RahatToken *RahatTokenFilterer) WatchApproval(opts *bind.WatchOpts, sink chan<- *RahatTokenApproval, owner []common.Address, spender []common.Address) (event.Subscription, error) {

	var ownerRule []interface{}
	for _, ownerItem := range owner {
		ownerRule = append(ownerRule, ownerItem)
	}
	var spenderRule []interface{}
	for _, spenderItem := range spender {
		spenderRule = append(spenderRule, spenderItem)
	}

	logs, sub, err := _RahatToken.contract.WatchLogs(opts, "Approval", ownerRule, spenderRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RahatTokenApproval)
				if err := _RahatToken.contract.UnpackLog(event, "Approval", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseApproval is a log parse operation binding the contract event 0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (_RahatToken *RahatTokenFilterer) ParseApproval(log types.Log) (*RahatTokenApproval, error) {
	event := new(RahatTokenApproval)
	if err := _RahatToken.contract.UnpackLog(event, "Approval", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RahatTokenOwnerAddedIterator is returned from FilterOwnerAdded and is used to iterate over the raw logs and unpacked data for OwnerAdded events raised by the RahatToken contract.
type RahatTokenOwnerAddedIterator struct {
	Event *RahatTokenOwnerAdded // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *RahatTokenOwnerAddedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RahatTokenOwnerAdded)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(RahatTokenOwnerAdded)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *RahatTokenOwnerAddedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RahatTokenOwnerAddedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RahatTokenOwnerAdded represents a OwnerAdded event raised by the RahatToken contract.
type RahatTokenOwnerAdded struct {
	Arg0 common.Address
	Raw  types.Log // Blockchain specific contextual infos
}

// FilterOwnerAdded is a free log retrieval operation binding the contract event 0x994a936646fe87ffe4f1e469d3d6aa417d6b855598397f323de5b449f765f0c3.
//
// Solidity: event OwnerAdded(address indexed arg0)
func (_RahatToken *RahatTokenFilterer) FilterOwnerAdded(opts *bind.FilterOpts, arg0 []common.Address) (*RahatTokenOwnerAddedIterator, error) {

	var arg0Rule []interface{}
	for _, arg0Item := range arg0 {
		arg0Rule = append(arg0Rule, arg0Item)
	}

	logs, sub, err := _RahatToken.contract.FilterLogs(opts, "OwnerAdded", arg0Rule)
	if err != nil {
		return nil, err
	}
	return &RahatTokenOwnerAddedIterator{contract: _RahatToken.contract, event: "OwnerAdded", logs: logs, sub: sub}, nil
}

// WatchOwnerAdded is a free log subscription operation binding the contract event 0x994a936646fe87ffe4f1e469d3d6aa417d6b855598397f323de5b449f765f0c3.
//
// Solidity: event OwnerAdded(address indexed arg0)
func (_RahatToken *RahatTokenFilterer) WatchOwnerAdded(opts *bind.WatchOpts, sink chan<- *RahatTokenOwnerAdded, arg0 []common.Address) (event.Subscription, error) {

	var arg0Rule []interface{}
	for _, arg0Item := range arg0 {
		arg0Rule = append(arg0Rule, arg0Item)
	}

	logs, sub, err := _RahatToken.contract.WatchLogs(opts, "OwnerAdded", arg0Rule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RahatTokenOwnerAdded)
				if err := _RahatToken.contract.UnpackLog(event, "OwnerAdded", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseOwnerAdded is a log parse operation binding the contract event 0x994a936646fe87ffe4f1e469d3d6aa417d6b855598397f323de5b449f765f0c3.
//
// Solidity: event OwnerAdded(address indexed arg0)
func (_RahatToken *RahatTokenFilterer) ParseOwnerAdded(log types.Log) (*RahatTokenOwnerAdded, error) {
	event := new(RahatTokenOwnerAdded)
	if err := _RahatToken.contract.UnpackLog(event, "OwnerAdded", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RahatTokenOwnerRemovedIterator is returned from FilterOwnerRemoved and is used to iterate over the raw logs and unpacked data for OwnerRemoved events raised by the RahatToken contract.
type RahatTokenOwnerRemovedIterator struct {
	Event *RahatTokenOwnerRemoved // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *RahatTokenOwnerRemovedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RahatTokenOwnerRemoved)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(RahatTokenOwnerRemoved)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *RahatTokenOwnerRemovedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RahatTokenOwnerRemovedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RahatTokenOwnerRemoved represents a OwnerRemoved event raised by the RahatToken contract.
type RahatTokenOwnerRemoved struct {
	Arg0 common.Address
	Raw  types.Log // Blockchain specific contextual infos
}

// FilterOwnerRemoved is a free log retrieval operation binding the contract event 0x58619076adf5bb0943d100ef88d52d7c3fd691b19d3a9071b555b651fbf418da.
//
// Solidity: event OwnerRemoved(address indexed arg0)
func (_RahatToken *RahatTokenFilterer) FilterOwnerRemoved(opts *bind.FilterOpts, arg0 []common.Address) (*RahatTokenOwnerRemovedIterator, error) {

	var arg0Rule []interface{}
	for _, arg0Item := range arg0 {
		arg0Rule = append(arg0Rule, arg0Item)
	}

	logs, sub, err := _RahatToken.contract.FilterLogs(opts, "OwnerRemoved", arg0Rule)
	if err != nil {
		return nil, err
	}
	return &RahatTokenOwnerRemovedIterator{contract: _RahatToken.contract, event: "OwnerRemoved", logs: logs, sub: sub}, nil
}

// WatchOwnerRemoved is a free log subscription operation binding the contract event 0x58619076adf5bb0943d100ef88d52d7c3fd691b19d3a9071b555b651fbf418da.
//
// Solidity: event OwnerRemoved(address indexed arg0)
func (_RahatToken *RahatTokenFilterer) WatchOwnerRemoved(opts *bind.WatchOpts, sink chan<- *RahatTokenOwnerRemoved, arg0 []common.Address) (event.Subscription, error) {

	var arg0Rule []interface{}
	for _, arg0Item := range arg0 {
		arg0Rule = append(arg0Rule, arg0Item)
	}

	logs, sub, err := _RahatToken.contract.WatchLogs(opts, "OwnerRemoved", arg0Rule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RahatTokenOwnerRemoved)
				if err := _RahatToken.contract.UnpackLog(event, "OwnerRemoved", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseOwnerRemoved is a log parse operation binding the contract event 0x58619076adf5bb0943d100ef88d52d7c3fd691b19d3a9071b555b651fbf418da.
//
// Solidity: event OwnerRemoved(address indexed arg0)
func (_RahatToken *RahatTokenFilterer) ParseOwnerRemoved(log types.Log) (*RahatTokenOwnerRemoved, error) {
	event := new(RahatTokenOwnerRemoved)
	if err := _RahatToken.contract.UnpackLog(event, "OwnerRemoved", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RahatTokenTransferIterator is returned from FilterTransfer and is used to iterate over the raw logs and unpacked data for Transfer events raised by the RahatToken contract.
type RahatTokenTransferIterator struct {
	Event *RahatTokenTransfer // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *RahatTokenTransferIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RahatTokenTransfer)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(RahatTokenTransfer)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *RahatTokenTransferIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RahatTokenTransferIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RahatTokenTransfer represents a Transfer event raised by the RahatToken contract.
type RahatTokenTransfer struct {
	From  common.Address
	To    common.Address
	Value *big.Int
	Raw   types.Log // Blockchain specific contextual infos
}

// FilterTransfer is a free log retrieval operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_RahatToken *RahatTokenFilterer) FilterTransfer(opts *bind.FilterOpts, from []common.Address, to []common.Address) (*RahatTokenTransferIterator, error) {

	var fromRule []interface{}
	for _, fromItem := range from {
		fromRule = append(fromRule, fromItem)
	}
	var toRule []interface{}
	for _, toItem := range to {
		toRule = append(toRule, toItem)
	}

	logs, sub, err := _RahatToken.contract.FilterLogs(opts, "Transfer", fromRule, toRule)
	if err != nil {
		return nil, err
	}
	return &RahatTokenTransferIterator{contract: _RahatToken.contract, event: "Transfer", logs: logs, sub: sub}, nil
}

// WatchTransfer is a free log subscription operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_RahatToken *RahatTokenFilterer) WatchTransfer(opts *bind.WatchOpts, sink chan<- *RahatTokenTransfer, from []common.Address, to []common.Address) (event.Subscription, error) {

	var fromRule []interface{}
	for _, fromItem := range from {
		fromRule = append(fromRule, fromItem)
	}
	var toRule []interface{}
	for _, toItem := range to {
		toRule = append(toRule, toItem)
	}

	logs, sub, err := _RahatToken.contract.WatchLogs(opts, "Transfer", fromRule, toRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RahatTokenTransfer)
				if err := _RahatToken.contract.UnpackLog(event, "Transfer", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseTransfer is a log parse operation binding the contract event 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (_RahatToken *RahatTokenFilterer) ParseTransfer(log types.Log) (*RahatTokenTransfer, error) {
	event := new(RahatTokenTransfer)
	if err := _RahatToken.contract.UnpackLog(event, "Transfer", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
