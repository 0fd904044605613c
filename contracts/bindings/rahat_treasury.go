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

// RahatTreasuryMetaData contains all meta data concerning the RahatTreasury contract.
var RahatTreasuryMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"admin\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"LastAdmin\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"left\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"right\",\"type\":\"uint256\"}],\"name\":\"LengthMismatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"NotAdmin\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"UnknownToken\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"tokenAddress\",\"type\":\"address\"}],\"name\":\"TokenCreated\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"tokenAddress\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"approveAddress\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"TokenMintedAndApproved\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"tokenAddress\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"receiverAddress\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"TokenMintedAndSent\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"addTokenOwner\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"adminCount\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"symbol\",\"type\":\"string\"},{\"internalType\":\"uint8\",\"name\":\"decimals\",\"type\":\"uint8\"}],\"name\":\"createToken\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"tokenAddress\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isAdmin\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isTreasuryToken\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"mintTokenAndApprove\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"receiver\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"mintTokenAndSend\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"removeTokenOwner\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"tokenCount\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"tokens\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"bool\",\"name\":\"approved\",\"type\":\"bool\"}],\"name\":\"updateAdmin\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x6080604052348015600e575f5ffd5b50604051611db0380380611db0833981016040819052602b91607d565b806001600160a01b03811660525760405163d92e233d60e01b815260040160405180910390fd5b6001600160a01b03165f908152602081905260409020805460ff1916600190811790915580555060a8565b5f60208284031215608c575f5ffd5b81516001600160a01b038116811460a1575f5ffd5b9392505050565b611cfb806100b55f395ff3fe608060405234801561000f575f5ffd5b50600436106100a6575f3560e01c8063670a6fd91161006e578063670a6fd91461014b5780637f89328f1461015e57806392fa450a146101715780639f181b5e14610184578063d5c548f51461018c578063e8a0aed3146101ae575f5ffd5b806318fc3220146100aa57806324d7806c146100bf5780632b7832b3146100f65780632cb5568e1461010d5780634f64b2be14610120575b5f5ffd5b6100bd6100b836600461091b565b6101c1565b005b6100e16100cd36600461094c565b5f6020819052908152604090205460ff1681565b60405190151581526020015b60405180910390f35b6100ff60015481565b6040519081526020016100ed565b6100bd61011b36600461091b565b610298565b61013361012e36600461096c565b61033c565b6040516001600160a01b0390911681526020016100ed565b6100bd610159366004610993565b610364565b6100bd61016c3660046109c8565b610465565b6100bd61017f3660046109c8565b6106a4565b6003546100ff565b6100e161019a36600461094c565b60026020525f908152604090205460ff1681565b6101336101bc366004610a47565b6107f1565b335f9081526020819052604090205460ff166101f757604051630bd4212160e11b81523360048201526024015b60405180910390fd5b6001600160a01b0382165f90815260026020526040902054829060ff1661023c576040516340d1d8df60e11b81526001600160a01b03821660048201526024016101ee565b60405163173825d960e01b81526001600160a01b03838116600483015284169063173825d9906024015b5f604051808303815f87803b15801561027d575f5ffd5b505af115801561028f573d5f5f3e3d5ffd5b50505050505050565b335f9081526020819052604090205460ff166102c957604051630bd4212160e11b81523360048201526024016101ee565b6001600160a01b0382165f90815260026020526040902054829060ff1661030e576040516340d1d8df60e11b81526001600160a01b03821660048201526024016101ee565b604051630e0cb96960e31b81526001600160a01b038381166004830152841690637065cb4890602401610266565b6003818154811061034b575f80fd5b5f918252602090912001546001600160a01b0316905081565b335f9081526020819052604090205460ff1661039557604051630bd4212160e11b81523360048201526024016101ee565b6001600160a01b0382166103bc5760405163d92e233d60e01b815260040160405180910390fd5b6001600160a01b0382165f9081526020819052604090205460ff16151581151514610461578015610403576001805f8282546103f89190610ae3565b9091555061043d9050565b60015460010361042657604051636f87232f60e11b815260040160405180910390fd5b6001805f8282546104379190610afc565b90915550505b6001600160a01b0382165f908152602081905260409020805460ff19168215151790555b5050565b335f9081526020819052604090205460ff1661049657604051630bd4212160e11b81523360048201526024016101ee565b6001600160a01b0383165f90815260026020526040902054839060ff166104db576040516340d1d8df60e11b81526001600160a01b03821660048201526024016101ee565b6001600160a01b0383166105025760405163d92e233d60e01b815260040160405180910390fd5b6040516340c10f1960e01b81523060048201526024810183905284906001600160a01b038216906340c10f19906044015f604051808303815f87803b158015610549575f5ffd5b505af115801561055b573d5f5f3e3d5ffd5b5050604051636eb1769f60e11b81523060048201526001600160a01b0387811660248301528416925063095ea7b3915086908690849063dd62ed3e90604401602060405180830381865afa1580156105b5573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906105d99190610b0f565b6105e39190610ae3565b6040516001600160e01b031960e085901b1681526001600160a01b03909216600483015260248201526044016020604051808303815f875af115801561062b573d5f5f3e3d5ffd5b505050506040513d601f19601f8201168201806040525081019061064f9190610b26565b50836001600160a01b0316856001600160a01b03167fdc6904c4e8e3746f835eb600662c644c895c758995784a4b39c68f75355b2d278560405161069591815260200190565b60405180910390a35050505050565b335f9081526020819052604090205460ff166106d557604051630bd4212160e11b81523360048201526024016101ee565b6001600160a01b0383165f90815260026020526040902054839060ff1661071a576040516340d1d8df60e11b81526001600160a01b03821660048201526024016101ee565b6001600160a01b0383166107415760405163d92e233d60e01b815260040160405180910390fd5b6040516340c10f1960e01b81526001600160a01b038481166004830152602482018490528516906340c10f19906044015f604051808303815f87803b158015610788575f5ffd5b505af115801561079a573d5f5f3e3d5ffd5b50505050826001600160a01b0316846001600160a01b03167fb7c3cb8d32d7f564c8cd8d2fd67b01e0aa17e6d20d839a0181c8d4a0af9bafcb846040516107e391815260200190565b60405180910390a350505050565b335f9081526020819052604081205460ff1661082257604051630bd4212160e11b81523360048201526024016101ee565b858585858530604051610834906108f3565b61084396959493929190610b69565b604051809103905ff08015801561085c573d5f5f3e3d5ffd5b506001600160a01b0381165f81815260026020526040808220805460ff1916600190811790915560038054918201815583527fc2575a0e9e593c00f959f8c92f12db2869c3395a3b0502d05e2516446f71f85b0180546001600160a01b031916841790555192935090917f2e2b3f61b70d2d131b2a807371103cc98d51adcaa5e9a8f9c32658ad8426e74e9190a295945050505050565b61110f80610bb783390190565b80356001600160a01b0381168114610916575f5ffd5b919050565b5f5f6040838503121561092c575f5ffd5b61093583610900565b915061094360208401610900565b90509250929050565b5f6020828403121561095c575f5ffd5b61096582610900565b9392505050565b5f6020828403121561097c575f5ffd5b5035919050565b8015158114610990575f5ffd5b50565b5f5f604083850312156109a4575f5ffd5b6109ad83610900565b915060208301356109bd81610983565b809150509250929050565b5f5f5f606084860312156109da575f5ffd5b6109e384610900565b92506109f160208501610900565b929592945050506040919091013590565b5f5f83601f840112610a12575f5ffd5b50813567ffffffffffffffff811115610a29575f5ffd5b602083019150836020828501011115610a40575f5ffd5b9250929050565b5f5f5f5f5f60608688031215610a5b575f5ffd5b853567ffffffffffffffff811115610a71575f5ffd5b610a7d88828901610a02565b909650945050602086013567ffffffffffffffff811115610a9c575f5ffd5b610aa888828901610a02565b909450925050604086013560ff81168114610ac1575f5ffd5b809150509295509295909350565b634e487b7160e01b5f52601160045260245ffd5b80820180821115610af657610af6610acf565b92915050565b81810381811115610af657610af6610acf565b5f60208284031215610b1f575f5ffd5b5051919050565b5f60208284031215610b36575f5ffd5b815161096581610983565b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b608081525f610b7c60808301888a610b41565b8281036020840152610b8f818789610b41565b60ff95909516604084015250506001600160a01b039190911660609091015294935050505056fe60a060405234801561000f575f5ffd5b5060405161110f38038061110f83398101604081905261002e9161016e565b8383600361003c8382610297565b5060046100498282610297565b5050506001600160a01b0381166100735760405163d92e233d60e01b815260040160405180910390fd5b60ff82166080526001600160a01b0381165f81815260056020526040808220805460ff19166001908117909155600655517f994a936646fe87ffe4f1e469d3d6aa417d6b855598397f323de5b449f765f0c39190a250505050610355565b634e487b7160e01b5f52604160045260245ffd5b5f82601f8301126100f4575f5ffd5b81516001600160401b0381111561010d5761010d6100d1565b604051601f8201601f19908116603f011681016001600160401b038111828210171561013b5761013b6100d1565b604052818152838201602001851015610152575f5ffd5b8160208501602083015e5f918101602001919091529392505050565b5f5f5f5f60808587031215610181575f5ffd5b84516001600160401b03811115610196575f5ffd5b6101a2878288016100e5565b602087015190955090506001600160401b038111156101bf575f5ffd5b6101cb878288016100e5565b935050604085015160ff811681146101e1575f5ffd5b60608601519092506001600160a01b03811681146101fd575f5ffd5b939692955090935050565b600181811c9082168061021c57607f821691505b60208210810361023a57634e487b7160e01b5f52602260045260245ffd5b50919050565b601f821115610292578282111561029257805f5260205f20601f840160051c602085101561026b57505f5b90810190601f840160051c035f5b8181101561028e575f83820155600101610279565b5050505b505050565b81516001600160401b038111156102b0576102b06100d1565b6102c4816102be8454610208565b84610240565b6020601f8211600181146102f6575f83156102df5750848201515b5f19600385901b1c1916600184901b17845561034e565b5f84815260208120601f198516915b828110156103255787850151825560209485019460019092019101610305565b508482101561034257868401515f19600387901b60f8161c191681555b505060018360011b0184555b5050505050565b608051610da261036d5f395f6101d90152610da25ff3fe608060405234801561000f575f5ffd5b5060043610610111575f3560e01c806340c10f191161009e57806379cc67901161006e57806379cc6790146102645780637c88e3d91461027757806395d89b411461028a578063a9059cbb14610292578063dd62ed3e146102a5575f5ffd5b806340c10f191461020357806342966c68146102165780637065cb481461022957806370a082311461023c575f5ffd5b8063173825d9116100e4578063173825d91461018257806318160ddd1461019557806323b872dd1461019d5780632f54bf6e146101b0578063313ce567146101d2575f5ffd5b806306fdde0314610115578063095ea7b3146101335780630a535fa9146101565780630db026221461016b575b5f5ffd5b61011d6102dd565b60405161012a9190610acb565b60405180910390f35b610146610141366004610b1b565b61036d565b604051901515815260200161012a565b610169610164366004610b8b565b610386565b005b61017460065481565b60405190815260200161012a565b610169610190366004610bd8565b610418565b600254610174565b6101466101ab366004610bf8565b61051c565b6101466101be366004610bd8565b60056020525f908152604090205460ff1681565b60405160ff7f000000000000000000000000000000000000000000000000000000000000000016815260200161012a565b610169610211366004610b1b565b61053f565b610169610224366004610c32565b61057e565b610169610237366004610bd8565b61058b565b61017461024a366004610bd8565b6001600160a01b03165f9081526020819052604090205490565b610169610272366004610b1b565b61069a565b610169610285366004610c49565b6106af565b61011d610764565b6101466102a0366004610b1b565b610773565b6101746102b3366004610cb5565b6001600160a01b039182165f90815260016020908152604080832093909416825291909152205490565b6060600380546102ec90610ce6565b80601f016020809104026020016040519081016040528092919081815260200182805461031890610ce6565b80156103635780601f1061033a57610100808354040283529160200191610363565b820191905f5260205f20905b81548152906001019060200180831161034657829003601f168201915b5050505050905090565b5f3361037a818585610780565b60019150505b92915050565b335f9081526005602052604090205460ff166103bc5760405163245aecd360e01b81523360048201526024015b60405180910390fd5b5f5b81811015610411575f5b84811015610408576104008686838181106103e5576103e5610d1e565b90506020020160208101906103fa9190610bd8565b85610792565b6001016103c8565b506001016103be565b5050505050565b335f9081526005602052604090205460ff166104495760405163245aecd360e01b81523360048201526024016103b3565b6001600160a01b0381165f9081526005602052604090205460ff1661048c5760405163245aecd360e01b81526001600160a01b03821660048201526024016103b3565b6006546001036104af5760405163948bf89760e01b815260040160405180910390fd5b6001600160a01b0381165f908152600560205260408120805460ff1916905560068054600192906104e1908490610d46565b90915550506040516001600160a01b038216907f58619076adf5bb0943d100ef88d52d7c3fd691b19d3a9071b555b651fbf418da905f90a250565b5f336105298582856107c6565b610534858585610842565b506001949350505050565b335f9081526005602052604090205460ff166105705760405163245aecd360e01b81523360048201526024016103b3565b61057a8282610792565b5050565b610588338261089f565b50565b335f9081526005602052604090205460ff166105bc5760405163245aecd360e01b81523360048201526024016103b3565b6001600160a01b0381166105e35760405163d92e233d60e01b815260040160405180910390fd5b6001600160a01b0381165f9081526005602052604090205460ff1615610627576040516322fae4a360e21b81526001600160a01b03821660048201526024016103b3565b6001600160a01b0381165f908152600560205260408120805460ff19166001908117909155600680549192909161065f908490610d59565b90915550506040516001600160a01b038216907f994a936646fe87ffe4f1e469d3d6aa417d6b855598397f323de5b449f765f0c3905f90a250565b6106a58233836107c6565b61057a828261089f565b335f9081526005602052604090205460ff166106e05760405163245aecd360e01b81523360048201526024016103b3565b82811461070a576040516355c5b3e360e11b815260048101849052602481018290526044016103b3565b5f5b838110156104115761075c85858381811061072957610729610d1e565b905060200201602081019061073e9190610bd8565b84848481811061075057610750610d1e565b90506020020135610792565b60010161070c565b6060600480546102ec90610ce6565b5f3361037a818585610842565b61078d83838360016108d3565b505050565b6001600160a01b0382166107bb5760405163ec442f0560e01b81525f60048201526024016103b3565b61057a5f83836109a5565b6001600160a01b038381165f908152600160209081526040808320938616835292905220545f1981101561083c578181101561082e57604051637dc7a0d960e11b81526001600160a01b038416600482015260248101829052604481018390526064016103b3565b61083c84848484035f6108d3565b50505050565b6001600160a01b03831661086b57604051634b637e8f60e11b81525f60048201526024016103b3565b6001600160a01b0382166108945760405163ec442f0560e01b81525f60048201526024016103b3565b61078d8383836109a5565b6001600160a01b0382166108c857604051634b637e8f60e11b81525f60048201526024016103b3565b61057a825f836109a5565b6001600160a01b0384166108fc5760405163e602df0560e01b81525f60048201526024016103b3565b6001600160a01b03831661092557604051634a1406b160e11b81525f60048201526024016103b3565b6001600160a01b038085165f908152600160209081526040808320938716835292905220829055801561083c57826001600160a01b0316846001600160a01b03167f8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b9258460405161099791815260200190565b60405180910390a350505050565b6001600160a01b0383166109cf578060025f8282546109c49190610d59565b90915550610a3f9050565b6001600160a01b0383165f9081526020819052604090205481811015610a215760405163391434e360e21b81526001600160a01b038516600482015260248101829052604481018390526064016103b3565b6001600160a01b0384165f9081526020819052604090209082900390555b6001600160a01b038216610a5b57600280548290039055610a79565b6001600160a01b0382165f9081526020819052604090208054820190555b816001600160a01b0316836001600160a01b03167fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef83604051610abe91815260200190565b60405180910390a3505050565b602081525f82518060208401528060208501604085015e5f604082850101526040601f19601f83011684010191505092915050565b80356001600160a01b0381168114610b16575f5ffd5b919050565b5f5f60408385031215610b2c575f5ffd5b610b3583610b00565b946020939093013593505050565b5f5f83601f840112610b53575f5ffd5b50813567ffffffffffffffff811115610b6a575f5ffd5b6020830191508360208260051b8501011115610b84575f5ffd5b9250929050565b5f5f5f5f60608587031215610b9e575f5ffd5b843567ffffffffffffffff811115610bb4575f5ffd5b610bc087828801610b43565b90989097506020870135966040013595509350505050565b5f60208284031215610be8575f5ffd5b610bf182610b00565b9392505050565b5f5f5f60608486031215610c0a575f5ffd5b610c1384610b00565b9250610c2160208501610b00565b929592945050506040919091013590565b5f60208284031215610c42575f5ffd5b5035919050565b5f5f5f5f60408587031215610c5c575f5ffd5b843567ffffffffffffffff811115610c72575f5ffd5b610c7e87828801610b43565b909550935050602085013567ffffffffffffffff811115610c9d575f5ffd5b610ca987828801610b43565b95989497509550505050565b5f5f60408385031215610cc6575f5ffd5b610ccf83610b00565b9150610cdd60208401610b00565b90509250929050565b600181811c90821680610cfa57607f821691505b602082108103610d1857634e487b7160e01b5f52602260045260245ffd5b50919050565b634e487b7160e01b5f52603260045260245ffd5b634e487b7160e01b5f52601160045260245ffd5b8181038181111561038057610380610d32565b8082018082111561038057610380610d3256fea26469706673582212209c85b2faa4583b913ea118ac8b37731b2e012e3b64b925a1f6fce724d15f895f64736f6c63430008250033a2646970667358221220ff15997a06f96537b438befd848244f263fa1d88800c40c9f6c478c985d79ec364736f6c63430008250033",
}

// RahatTreasuryABI is the input ABI used to generate the binding from.
// Deprecated: Use RahatTreasuryMetaData.ABI instead.
var RahatTreasuryABI = RahatTreasuryMetaData.ABI

// RahatTreasuryBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use RahatTreasuryMetaData.Bin instead.
var RahatTreasuryBin = RahatTreasuryMetaData.Bin

// DeployRahatTreasury deploys a new Ethereum contract, binding an instance of RahatTreasury to it.
func DeployRahatTreasury(auth *bind.TransactOpts, backend bind.ContractBackend, admin common.Address) (common.Address, *types.Transaction, *RahatTreasury, error) {
	parsed, err := RahatTreasuryMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(RahatTreasuryBin), backend, admin)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &RahatTreasury{RahatTreasuryCaller: RahatTreasuryCaller{contract: contract}, RahatTreasuryTransactor: RahatTreasuryTransactor{contract: contract}, RahatTreasuryFilterer: RahatTreasuryFilterer{contract: contract}}, nil
}

// RahatTreasury is an auto generated Go binding around an Ethereum contract.
type RahatTreasury struct {
	RahatTreasuryCaller     // Read-only binding to the contract
	RahatTreasuryTransactor // Write-only binding to the contract
	RahatTreasuryFilterer   // Log filterer for contract events
}

// RahatTreasuryCaller is an auto generated read-only Go binding around an Ethereum contract.
type RahatTreasuryCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RahatTreasuryTransactor is an auto generated write-only Go binding around an Ethereum contract.
type RahatTreasuryTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RahatTreasuryFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type RahatTreasuryFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// RahatTreasurySession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type RahatTreasurySession struct {
	Contract     *RahatTreasury    // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// RahatTreasuryCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type RahatTreasuryCallerSession struct {
	Contract *RahatTreasuryCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts        // Call options to use throughout this session
}

// RahatTreasuryTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type RahatTreasuryTransactorSession struct {
	Contract     *RahatTreasuryTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts        // Transaction auth options to use throughout this session
}

// RahatTreasuryRaw is an auto generated low-level Go binding around an Ethereum contract.
type RahatTreasuryRaw struct {
	Contract *RahatTreasury // Generic contract binding to access the raw methods on
}

// RahatTreasuryCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type RahatTreasuryCallerRaw struct {
	Contract *RahatTreasuryCaller // Generic read-only contract binding to access the raw methods on
}

// RahatTreasuryTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type RahatTreasuryTransactorRaw struct {
	Contract *RahatTreasuryTransactor // Generic write-only contract binding to access the raw methods on
}

// NewRahatTreasury creates a new instance of RahatTreasury, bound to a specific deployed contract.
func NewRahatTreasury(address common.Address, backend bind.ContractBackend) (*RahatTreasury, error) {
	contract, err := bindRahatTreasury(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &RahatTreasury{RahatTreasuryCaller: RahatTreasuryCaller{contract: contract}, RahatTreasuryTransactor: RahatTreasuryTransactor{contract: contract}, RahatTreasuryFilterer: RahatTreasuryFilterer{contract: contract}}, nil
}

// NewRahatTreasuryCaller creates a new read-only instance of RahatTreasury, bound to a specific deployed contract.
func NewRahatTreasuryCaller(address common.Address, caller bind.ContractCaller) (*RahatTreasuryCaller, error) {
	contract, err := bindRahatTreasury(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &RahatTreasuryCaller{contract: contract}, nil
}

// NewRahatTreasuryTransactor creates a new write-only instance of RahatTreasury, bound to a specific deployed contract.
func NewRahatTreasuryTransactor(address common.Address, transactor bind.ContractTransactor) (*RahatTreasuryTransactor, error) {
	contract, err := bindRahatTreasury(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &RahatTreasuryTransactor{contract: contract}, nil
}

// NewRahatTreasuryFilterer creates a new log filterer instance of RahatTreasury, bound to a specific deployed contract.
func NewRahatTreasuryFilterer(address common.Address, filterer bind.ContractFilterer) (*RahatTreasuryFilterer, error) {
	contract, err := bindRahatTreasury(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &RahatTreasuryFilterer{contract: contract}, nil
}

// bindRahatTreasury binds a generic wrapper to an already deployed contract.
func bindRahatTreasury(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := RahatTreasuryMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_RahatTreasury *RahatTreasuryRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _RahatTreasury.Contract.RahatTreasuryCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_RahatTreasury *RahatTreasuryRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _RahatTreasury.Contract.RahatTreasuryTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_RahatTreasury *RahatTreasuryRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _RahatTreasury.Contract.RahatTreasuryTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_RahatTreasury *RahatTreasuryCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _RahatTreasury.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_RahatTreasury *RahatTreasuryTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _RahatTreasury.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_RahatTreasury *RahatTreasuryTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _RahatTreasury.Contract.contract.Transact(opts, method, params...)
}

// AdminCount is a free data retrieval call binding the contract method 0x2b7832b3.
//
// Solidity: function adminCount() view returns(uint256)
func (_RahatTreasury *RahatTreasuryCaller) AdminCount(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _RahatTreasury.contract.Call(opts, &out, "adminCount")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// AdminCount is a free data retrieval call binding the contract method 0x2b7832b3.
//
// Solidity: function adminCount() view returns(uint256)
func (_RahatTreasury *RahatTreasurySession) AdminCount() (*big.Int, error) {
	return _RahatTreasury.Contract.AdminCount(&_RahatTreasury.CallOpts)
}

// AdminCount is a free data retrieval call binding the contract method 0x2b7832b3.
//
// Solidity: function adminCount() view returns(uint256)
func (_RahatTreasury *RahatTreasuryCallerSession) AdminCount() (*big.Int, error) {
	return _RahatTreasury.Contract.AdminCount(&_RahatTreasury.CallOpts)
}

// IsAdmin is a free data retrieval call binding the contract method 0x24d7806c.
//
// Solidity: function isAdmin(address ) view returns(bool)
func (_RahatTreasury *RahatTreasuryCaller) IsAdmin(opts *bind.CallOpts, arg0 common.Address) (bool, error) {
	var out []interface{}
	err := _RahatTreasury.contract.Call(opts, &out, "isAdmin", arg0)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// IsAdmin is a free data retrieval call binding the contract method 0x24d7806c.
//
// Solidity: function isAdmin(address ) view returns(bool)
func (_RahatTreasury *RahatTreasurySession) IsAdmin(arg0 common.Address) (bool, error) {
	return _RahatTreasury.Contract.IsAdmin(&_RahatTreasury.CallOpts, arg0)
}

// IsAdmin is a free data retrieval call binding the contract method 0x24d7806c.
//
// Solidity: function isAdmin(address ) view returns(bool)
func (_RahatTreasury *RahatTreasuryCallerSession) IsAdmin(arg0 common.Address) (bool, error) {
	return _RahatTreasury.Contract.IsAdmin(&_RahatTreasury.CallOpts, arg0)
}

// IsTreasuryToken is a free data retrieval call binding the contract method 0xd5c548f5.
//
// Solidity: function isTreasuryToken(address ) view returns(bool)
func (_RahatTreasury *RahatTreasuryCaller) IsTreasuryToken(opts *bind.CallOpts, arg0 common.Address) (bool, error) {
	var out []interface{}
	err := _RahatTreasury.contract.Call(opts, &out, "isTreasuryToken", arg0)

	if err != nil {
		return *new(bool), err
	}

	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)

	return out0, err

}

// IsTreasuryToken is a free data retrieval call binding the contract method 0xd5c548f5.
//
// Solidity: function isTreasuryToken(address ) view returns(bool)
func (_RahatTreasury *RahatTreasurySession) IsTreasuryToken(arg0 common.Address) (bool, error) {
	return _RahatTreasury.Contract.IsTreasuryToken(&_RahatTreasury.CallOpts, arg0)
}

// IsTreasuryToken is a free data retrieval call binding the contract method 0xd5c548f5.
//
// Solidity: function isTreasuryToken(address ) view returns(bool)
func (_RahatTreasury *RahatTreasuryCallerSession) IsTreasuryToken(arg0 common.Address) (bool, error) {
	return _RahatTreasury.Contract.IsTreasuryToken(&_RahatTreasury.CallOpts, arg0)
}

// TokenCount is a free data retrieval call binding the contract method 0x9f181b5e.
//
// Solidity: function tokenCount() view returns(uint256)
func (_RahatTreasury *RahatTreasuryCaller) TokenCount(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _RahatTreasury.contract.Call(opts, &out, "tokenCount")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// TokenCount is a free data retrieval call binding the contract method 0x9f181b5e.
//
// Solidity: function tokenCount() view returns(uint256)
func (_RahatTreasury *RahatTreasurySession) TokenCount() (*big.Int, error) {
	return _RahatTreasury.Contract.TokenCount(&_RahatTreasury.CallOpts)
}

// TokenCount is a free data retrieval call binding the contract method 0x9f181b5e.
//
// Solidity: function tokenCount() view returns(uint256)
func (_RahatTreasury *RahatTreasuryCallerSession) TokenCount() (*big.Int, error) {
	return _RahatTreasury.Contract.TokenCount(&_RahatTreasury.CallOpts)
}

// Tokens is a free data retrieval call binding the contract method 0x4f64b2be.
//
// Solidity: function tokens(uint256 ) view returns(address)
func (_RahatTreasury *RahatTreasuryCaller) Tokens(opts *bind.CallOpts, arg0 *big.Int) (common.Address, error) {
	var out []interface{}
	err := _RahatTreasury.contract.Call(opts, &out, "tokens", arg0)

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// Tokens is a free data retrieval call binding the contract method 0x4f64b2be.
//
// Solidity: function tokens(uint256 ) view returns(address)
func (_RahatTreasury *RahatTreasurySession) Tokens(arg0 *big.Int) (common.Address, error) {
	return _RahatTreasury.Contract.Tokens(&_RahatTreasury.CallOpts, arg0)
}

// Tokens is a free data retrieval call binding the contract method 0x4f64b2be.
//
// Solidity: function tokens(uint256 ) view returns(address)
func (_RahatTreasury *RahatTreasuryCallerSession) Tokens(arg0 *big.Int) (common.Address, error) {
	return _RahatTreasury.Contract.Tokens(&_RahatTreasury.CallOpts, arg0)
}

// AddTokenOwner is a paid mutator transaction binding the contract method 0x2cb5568e.
//
// Solidity: function addTokenOwner(address token, address account) returns()
func (_RahatTreasury *RahatTreasuryTransactor) AddTokenOwner(opts *bind.TransactOpts, token common.Address, account common.Address) (*types.Transaction, error) {
	return _RahatTreasury.contract.Transact(opts, "addTokenOwner", token, account)
}

// AddTokenOwner is a paid mutator transaction binding the contract method 0x2cb5568e.
//
// Solidity: function addTokenOwner(address token, address account) returns()
func (_RahatTreasury *RahatTreasurySession) AddTokenOwner(token common.Address, account common.Address) (*types.Transaction, error) {
	return _RahatTreasury.Contract.AddTokenOwner(&_RahatTreasury.TransactOpts, token, account)
}

// AddTokenOwner is a paid mutator transaction binding the contract method 0x2cb5568e.
//
// Solidity: function addTokenOwner(address token, address account) returns()
func (_RahatTreasury *RahatTreasuryTransactorSession) AddTokenOwner(token common.Address, account common.Address) (*types.Transaction, error) {
	return _RahatTreasury.Contract.AddTokenOwner(&_RahatTreasury.TransactOpts, token, account)
}

// CreateToken is a paid mutator transaction binding the contract method 0xe8a0aed3.
//
// Solidity: function createToken(string name, string symbol, uint8 decimals) returns(address tokenAddress)
func (_RahatTreasury *RahatTreasuryTransactor) CreateToken(opts *bind.TransactOpts, name string, symbol string, decimals uint8) (*types.Transaction, error) {
	return _RahatTreasury.contract.Transact(opts, "createToken", name, symbol, decimals)
}

// CreateToken is a paid mutator transaction binding the contract method 0xe8a0aed3.
//
// Solidity: function createToken(string name, string symbol, uint8 decimals) returns(address tokenAddress)
func (_RahatTreasury *RahatTreasurySession) CreateToken(name string, symbol string, decimals uint8) (*types.Transaction, error) {
	return _RahatTreasury.Contract.CreateToken(&_RahatTreasury.TransactOpts, name, symbol, decimals)
}

// CreateToken is a paid mutator transaction binding the contract method 0xe8a0aed3.
//
// Solidity: function createToken(string name, string symbol, uint8 decimals) returns(address tokenAddress)
func (_RahatTreasury *RahatTreasuryTransactorSession) CreateToken(name string, symbol string, decimals uint8) (*types.Transaction, error) {
	return _RahatTreasury.Contract.CreateToken(&_RahatTreasury.TransactOpts, name, symbol, decimals)
}

// MintTokenAndApprove is a paid mutator transaction binding the contract method 0x7f89328f.
//
// Solidity: function mintTokenAndApprove(address token, address spender, uint256 amount) returns()
func (_RahatTreasury *RahatTreasuryTransactor) MintTokenAndApprove(opts *bind.TransactOpts, token common.Address, spender common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatTreasury.contract.Transact(opts, "mintTokenAndApprove", token, spender, amount)
}

// MintTokenAndApprove is a paid mutator transaction binding the contract method 0x7f89328f.
//
// Solidity: function mintTokenAndApprove(address token, address spender, uint256 amount) returns()
func (_RahatTreasury *RahatTreasurySession) MintTokenAndApprove(token common.Address, spender common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatTreasury.Contract.MintTokenAndApprove(&_RahatTreasury.TransactOpts, token, spender, amount)
}

// MintTokenAndApprove is a paid mutator transaction binding the contract method 0x7f89328f.
//
// Solidity: function mintTokenAndApprove(address token, address spender, uint256 amount) returns()
func (_RahatTreasury *RahatTreasuryTransactorSession) MintTokenAndApprove(token common.Address, spender common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatTreasury.Contract.MintTokenAndApprove(&_RahatTreasury.TransactOpts, token, spender, amount)
}

// MintTokenAndSend is a paid mutator transaction binding the contract method 0x92fa450a.
//
// Solidity: function mintTokenAndSend(address token, address receiver, uint256 amount) returns()
func (_RahatTreasury *RahatTreasuryTransactor) MintTokenAndSend(opts *bind.TransactOpts, token common.Address, receiver common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatTreasury.contract.Transact(opts, "mintTokenAndSend", token, receiver, amount)
}

// MintTokenAndSend is a paid mutator transaction binding the contract method 0x92fa450a.
//
// Solidity: function mintTokenAndSend(address token, address receiver, uint256 amount) returns()
func (_RahatTreasury *RahatTreasurySession) MintTokenAndSend(token common.Address, receiver common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatTreasury.Contract.MintTokenAndSend(&_RahatTreasury.TransactOpts, token, receiver, amount)
}

// MintTokenAndSend is a paid mutator transaction binding the contract method 0x92fa450a.
//
// Solidity: function mintTokenAndSend(address token, address receiver, uint256 amount) returns()
func (_RahatTreasury *RahatTreasuryTransactorSession) MintTokenAndSend(token common.Address, receiver common.Address, amount *big.Int) (*types.Transaction, error) {
	return _RahatTreasury.Contract.MintTokenAndSend(&_RahatTreasury.TransactOpts, token, receiver, amount)
}

// RemoveTokenOwner is a paid mutator transaction binding the contract method 0x18fc3220.
//
// Solidity: function removeTokenOwner(address token, address account) returns()
func (_RahatTreasury *RahatTreasuryTransactor) RemoveTokenOwner(opts *bind.TransactOpts, token common.Address, account common.Address) (*types.Transaction, error) {
	return _RahatTreasury.contract.Transact(opts, "removeTokenOwner", token, account)
}

// RemoveTokenOwner is a paid mutator transaction binding the contract method 0x18fc3220.
//
// Solidity: function removeTokenOwner(address token, address account) returns()
func (_RahatTreasury *RahatTreasurySession) RemoveTokenOwner(token common.Address, account common.Address) (*types.Transaction, error) {
	return _RahatTreasury.Contract.RemoveTokenOwner(&_RahatTreasury.TransactOpts, token, account)
}

// RemoveTokenOwner is a paid mutator transaction binding the contract method 0x18fc3220.
//
// Solidity: function removeTokenOwner(address token, address account) returns()
func (_RahatTreasury *RahatTreasuryTransactorSession) RemoveTokenOwner(token common.Address, account common.Address) (*types.Transaction, error) {
	return _RahatTreasury.Contract.RemoveTokenOwner(&_RahatTreasury.TransactOpts, token, account)
}

// UpdateAdmin is a paid mutator transaction binding the contract method 0x670a6fd9.
//
// Solidity: function updateAdmin(address account, bool approved) returns()
func (_RahatTreasury *RahatTreasuryTransactor) UpdateAdmin(opts *bind.TransactOpts, account common.Address, approved bool) (*types.Transaction, error) {
	return _RahatTreasury.contract.Transact(opts, "updateAdmin", account, approved)
}

// UpdateAdmin is a paid mutator transaction binding the contract method 0x670a6fd9.
//
// Solidity: function updateAdmin(address account, bool approved) returns()
func (_RahatTreasury *RahatTreasurySession) UpdateAdmin(account common.Address, approved bool) (*types.Transaction, error) {
	return _RahatTreasury.Contract.UpdateAdmin(&_RahatTreasury.TransactOpts, account, approved)
}

// UpdateAdmin is a paid mutator transaction binding the contract method 0x670a6fd9.
//
// Solidity: function updateAdmin(address account, bool approved) returns()
func (_RahatTreasury *RahatTreasuryTransactorSession) UpdateAdmin(account common.Address, approved bool) (*types.Transaction, error) {
	return _RahatTreasury.Contract.UpdateAdmin(&_RahatTreasury.TransactOpts, account, approved)
}

// RahatTreasuryTokenCreatedIterator is returned from FilterTokenCreated and is used to iterate over the raw logs and unpacked data for TokenCreated events raised by the RahatTreasury contract.
type RahatTreasuryTokenCreatedIterator struct {
	Event *RahatTreasuryTokenCreated // Event containing the contract specifics and raw log

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
func (it *RahatTreasuryTokenCreatedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RahatTreasuryTokenCreated)
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
		it.Event = new(RahatTreasuryTokenCreated)
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
func (it *RahatTreasuryTokenCreatedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RahatTreasuryTokenCreatedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RahatTreasuryTokenCreated represents a TokenCreated event raised by the RahatTreasury contract.
type RahatTreasuryTokenCreated struct {
	TokenAddress common.Address
	Raw          types.Log // Blockchain specific contextual infos
}

// FilterTokenCreated is a free log retrieval operation binding the contract event 0x2e2b3f61b70d2d131b2a807371103cc98d51adcaa5e9a8f9c32658ad8426e74e.
//
// Solidity: event TokenCreated(address indexed tokenAddress)
func (_RahatTreasury *RahatTreasuryFilterer) FilterTokenCreated(opts *bind.FilterOpts, tokenAddress []common.Address) (*RahatTreasuryTokenCreatedIterator, error) {

	var tokenAddressRule []interface{}
	for _, tokenAddressItem := range tokenAddress {
		tokenAddressRule = append(tokenAddressRule, tokenAddressItem)
	}

	logs, sub, err := _RahatTreasury.contract.FilterLogs(opts, "TokenCreated", tokenAddressRule)
	if err != nil {
		return nil, err
	}
	return &RahatTreasuryTokenCreatedIterator{contract: _RahatTreasury.contract, event: "TokenCreated", logs: logs, sub: sub}, nil
}

// WatchTokenCreated is a free log subscription operation binding the contract event 0x2e2b3f61b70d2d131b2a807371103cc98d51adcaa5e9a8f9c32658ad8426e74e.
//
// Solidity: event TokenCreated(address indexed tokenAddress)
func (_RahatTreasury *RahatTreasuryFilterer) WatchTokenCreated(opts *bind.WatchOpts, sink chan<- *RahatTreasuryTokenCreated, tokenAddress []common.Address) (event.Subscription, error) {

	var tokenAddressRule []interface{}
	for _, tokenAddressItem := range tokenAddress {
		tokenAddressRule = append(tokenAddressRule, tokenAddressItem)
	}

	logs, sub, err := _RahatTreasury.contract.WatchLogs(opts, "TokenCreated", tokenAddressRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RahatTreasuryTokenCreated)
				if err := _RahatTreasury.contract.UnpackLog(event, "TokenCreated", log); err != nil {
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

// ParseTokenCreated is a log parse operation binding the contract event 0x2e2b3f61b70d2d131b2a807371103cc98d51adcaa5e9a8f9c32658ad8426e74e.
//
// Solidity: event TokenCreated(address indexed tokenAddress)
func (_RahatTreasury *RahatTreasuryFilterer) ParseTokenCreated(log types.Log) (*RahatTreasuryTokenCreated, error) {
	event := new(RahatTreasuryTokenCreated)
	if err := _RahatTreasury.contract.UnpackLog(event, "TokenCreated", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RahatTreasuryTokenMintedAndApprovedIterator is returned from FilterTokenMintedAndApproved and is used to iterate over the raw logs and unpacked data for TokenMintedAndApproved events raised by the RahatTreasury contract.
type RahatTreasuryTokenMintedAndApprovedIterator struct {
	Event *RahatTreasuryTokenMintedAndApproved // Event containing the contract specifics and raw log

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
func (it *RahatTreasuryTokenMintedAndApprovedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RahatTreasuryTokenMintedAndApproved)
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
		it.Event = new(RahatTreasuryTokenMintedAndApproved)
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
func (it *RahatTreasuryTokenMintedAndApprovedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RahatTreasuryTokenMintedAndApprovedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RahatTreasuryTokenMintedAndApproved represents a TokenMintedAndApproved event raised by the RahatTreasury contract.
type RahatTreasuryTokenMintedAndApproved struct {
	TokenAddress   common.Address
	ApproveAddress common.Address
	Amount         *big.Int
	Raw            types.Log // Blockchain specific contextual infos
}

// FilterTokenMintedAndApproved is a free log retrieval operation binding the contract event 0xdc6904c4e8e3746f835eb600662c644c895c758995784a4b39c68f75355b2d27.
//
// Solidity: event TokenMintedAndApproved(address indexed tokenAddress, address indexed approveAddress, uint256 amount)
func (_RahatTreasury *RahatTreasuryFilterer) FilterTokenMintedAndApproved(opts *bind.FilterOpts, tokenAddress []common.Address, approveAddress []common.Address) (*RahatTreasuryTokenMintedAndApprovedIterator, error) {

	var tokenAddressRule []interface{}
	for _, tokenAddressItem := range tokenAddress {
		tokenAddressRule = append(tokenAddressRule, tokenAddressItem)
	}
	var approveAddressRule []interface{}
	for _, approveAddressItem := range approveAddress {
		approveAddressRule = append(approveAddressRule, approveAddressItem)
	}

	logs, sub, err := _RahatTreasury.contract.FilterLogs(opts, "TokenMintedAndApproved", tokenAddressRule, approveAddressRule)
	if err != nil {
		return nil, err
	}
	return &RahatTreasuryTokenMintedAndApprovedIterator{contract: _RahatTreasury.contract, event: "TokenMintedAndApproved", logs: logs, sub: sub}, nil
}

// WatchTokenMintedAndApproved is a free log subscription operation binding the contract event 0xdc6904c4e8e3746f835eb600662c644c895c758995784a4b39c68f75355b2d27.
//
// Solidity: event TokenMintedAndApproved(address indexed tokenAddress, address indexed approveAddress, uint256 amount)
func (_RahatTreasury *RahatTreasuryFilterer) WatchTokenMintedAndApproved(opts *bind.WatchOpts, sink chan<- *RahatTreasuryTokenMintedAndApproved, tokenAddress []common.Address, approveAddress []common.Address) (event.Subscription, error) {

	var tokenAddressRule []interface{}
	for _, tokenAddressItem := range tokenAddress {
		tokenAddressRule = append(tokenAddressRule, tokenAddressItem)
	}
	var approveAddressRule []interface{}
	for _, approveAddressItem := range approveAddress {
		approveAddressRule = append(approveAddressRule, approveAddressItem)
	}

	logs, sub, err := _RahatTreasury.contract.WatchLogs(opts, "TokenMintedAndApproved", tokenAddressRule, approveAddressRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RahatTreasuryTokenMintedAndApproved)
				if err := _RahatTreasury.contract.UnpackLog(event, "TokenMintedAndApproved", log); err != nil {
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

// ParseTokenMintedAndApproved is a log parse operation binding the contract event 0xdc6904c4e8e3746f835eb600662c644c895c758995784a4b39c68f75355b2d27.
//
// Solidity: event TokenMintedAndApproved(address indexed tokenAddress, address indexed approveAddress, uint256 amount)
func (_RahatTreasury *RahatTreasuryFilterer) ParseTokenMintedAndApproved(log types.Log) (*RahatTreasuryTokenMintedAndApproved, error) {
	event := new(RahatTreasuryTokenMintedAndApproved)
	if err := _RahatTreasury.contract.UnpackLog(event, "TokenMintedAndApproved", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// RahatTreasuryTokenMintedAndSentIterator is returned from FilterTokenMintedAndSent and is used to iterate over the raw logs and unpacked data for TokenMintedAndSent events raised by the RahatTreasury contract.
type RahatTreasuryTokenMintedAndSentIterator struct {
	Event *RahatTreasuryTokenMintedAndSent // Event containing the contract specifics and raw log

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
func (it *RahatTreasuryTokenMintedAndSentIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(RahatTreasuryTokenMintedAndSent)
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
		it.Event = new(RahatTreasuryTokenMintedAndSent)
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
func (it *RahatTreasuryTokenMintedAndSentIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *RahatTreasuryTokenMintedAndSentIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// RahatTreasuryTokenMintedAndSent represents a TokenMintedAndSent event raised by the RahatTreasury contract.
type RahatTreasuryTokenMintedAndSent struct {
	TokenAddress    common.Address
	ReceiverAddress common.Address
	Amount          *big.Int
	Raw             types.Log // Blockchain specific contextual infos
}

// FilterTokenMintedAndSent is a free log retrieval operation binding the contract event 0xb7c3cb8d32d7f564c8cd8d2fd67b01e0aa17e6d20d839a0181c8d4a0af9bafcb.
//
// Solidity: event TokenMintedAndSent(address indexed tokenAddress, address indexed receiverAddress, uint256 amount)
func (_RahatTreasury *RahatTreasuryFilterer) FilterTokenMintedAndSent(opts *bind.FilterOpts, tokenAddress []common.Address, receiverAddress []common.Address) (*RahatTreasuryTokenMintedAndSentIterator, error) {

	var tokenAddressRule []interface{}
	for _, tokenAddressItem := range tokenAddress {
		tokenAddressRule = append(tokenAddressRule, tokenAddressItem)
	}
	var receiverAddressRule []interface{}
	for _, receiverAddressItem := range receiverAddress {
		receiverAddressRule = append(receiverAddressRule, receiverAddressItem)
	}

	logs, sub, err := _RahatTreasury.contract.FilterLogs(opts, "TokenMintedAndSent", tokenAddressRule, receiverAddressRule)
	if err != nil {
		return nil, err
	}
	return &RahatTreasuryTokenMintedAndSentIterator{contract: _RahatTreasury.contract, event: "TokenMintedAndSent", logs: logs, sub: sub}, nil
}

// WatchTokenMintedAndSent is a free log subscription operation binding the contract event 0xb7c3cb8d32d7f564c8cd8d2fd67b01e0aa17e6d20d839a0181c8d4a0af9bafcb.
//
// Solidity: event TokenMintedAndSent(address indexed tokenAddress, address indexed receiverAddress, uint256 amount)
func (_RahatTreasury *RahatTreasuryFilterer) WatchTokenMintedAndSent(opts *bind.WatchOpts, sink chan<- *RahatTreasuryTokenMintedAndSent, tokenAddress []common.Address, receiverAddress []common.Address) (event.Subscription, error) {

	var tokenAddressRule []interface{}
	for _, tokenAddressItem := range tokenAddress {
		tokenAddressRule = append(tokenAddressRule, tokenAddressItem)
	}
	var receiverAddressRule []interface{}
	for _, receiverAddressItem := range receiverAddress {
		receiverAddressRule = append(receiverAddressRule, receiverAddressItem)
	}

	logs, sub, err := _RahatTreasury.contract.WatchLogs(opts, "TokenMintedAndSent", tokenAddressRule, receiverAddressRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(RahatTreasuryTokenMintedAndSent)
				if err := _RahatTreasury.contract.UnpackLog(event, "TokenMintedAndSent", log); err != nil {
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

// ParseTokenMintedAndSent is a log parse operation binding the contract event 0xb7c3cb8d32d7f564c8cd8d2fd67b01e0aa17e6d20d839a0181c8d4a0af9bafcb.
//
// Solidity: event TokenMintedAndSent(address indexed tokenAddress, address indexed receiverAddress, uint256 amount)
func (_RahatTreasury *RahatTreasuryFilterer) ParseTokenMintedAndSent(log types.Log) (*RahatTreasuryTokenMintedAndSent, error) {
	event := new(RahatTreasuryTokenMintedAndSent)
	if err := _RahatTreasury.contract.UnpackLog(event, "TokenMintedAndSent", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
