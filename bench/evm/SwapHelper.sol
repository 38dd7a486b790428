// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

interface IUniswapV2Pair {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 timestamp);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

interface ITransfer {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// One hop of UniswapV2Router02's swapExactTokensForTokens, from its own balance: pays `amountIn` into
/// the pair, then takes out what the constant product allows after the 0.3% fee.
contract SwapHelper {
    function swap(IUniswapV2Pair pair, bool zeroForOne, uint256 amountIn) external returns (uint256 amountOut) {
        (uint112 reserve0, uint112 reserve1,) = pair.getReserves();
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 amountInWithFee = amountIn * 997;
        amountOut = (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
        require(ITransfer(zeroForOne ? pair.token0() : pair.token1()).transfer(address(pair), amountIn));
        (uint256 amount0Out, uint256 amount1Out) = zeroForOne ? (uint256(0), amountOut) : (amountOut, uint256(0));
        pair.swap(amount0Out, amount1Out, address(this), "");
    }
}
