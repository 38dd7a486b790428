// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// Velox's batch inbox on L1. The batcher posts the L2 chain here as frames: each L1 transaction
/// carries one frame of one batch (a range of whole L2 blocks, src/l1/README.md), in calldata or in
/// EIP-4844 blobs. Batches are contiguous: a batch starts at the block after the last one posted, and
/// its frames come in order. Each frame is recorded (range, frame position, data hash) and announced
/// by a FramePosted event, from which a verifier finds the data with eth_getLogs.
contract BatchInbox {
    enum DataSource {
        Calldata,
        Blobs
    }

    /// One posted frame. `dataHash`: keccak256 of the calldata frame, or of the blob versioned hashes
    /// (concatenated) for a blob frame; the event carries the hashes themselves.
    struct Frame {
        uint64 firstBlock;
        uint64 lastBlock;
        uint16 frameIndex;
        uint16 frameCount;
        DataSource source;
        uint64 l1Timestamp;
        bytes32 dataHash;
    }

    /// EIP-4844 / EIP-7594: at most 6 blobs per transaction (BLOBHASH beyond the last blob is zero).
    uint256 internal constant MAX_BLOBS_PER_TRANSACTION = 6;

    /// The only address allowed to post.
    address public immutable batcher;

    /// The L2 block the next batch must start at: the last block posted, plus one.
    uint64 public nextBlock;
    /// While a batch of several frames is being posted: its last block, its frame count and how many
    /// of its frames are posted. `framesPosted == 0` when no batch is in progress.
    uint64 public pendingLastBlock;
    uint16 public pendingFrameCount;
    uint16 public framesPosted;

    Frame[] internal frames;

    /// `dataHashes`: [keccak256(frame)] for calldata, the blob versioned hashes for blobs.
    event FramePosted(
        uint256 indexed frameNumber,
        uint64 indexed firstBlock,
        uint64 lastBlock,
        uint16 frameIndex,
        uint16 frameCount,
        DataSource source,
        bytes32[] dataHashes
    );

    error NotBatcher(address sender);
    error EmptyRange(uint64 firstBlock, uint64 lastBlock);
    error InvalidFramePosition(uint16 frameIndex, uint16 frameCount);
    /// The batch leaves blocks unposted between the last batch and its first block.
    error BatchGap(uint64 expectedFirstBlock, uint64 firstBlock);
    /// The batch starts at a block already posted.
    error BatchOverlap(uint64 expectedFirstBlock, uint64 firstBlock);
    /// A batch of several frames is in progress and this is not its next frame.
    error UnexpectedFrame(uint64 firstBlock, uint64 lastBlock, uint16 expectedFrameIndex, uint16 frameCount);
    error EmptyFrame();
    error NoBlobs();
    error BlobsWithCalldataFrame();

    modifier onlyBatcher() {
        if (msg.sender != batcher) revert NotBatcher(msg.sender);
        _;
    }

    /// `firstBlock`: the first L2 block batches carry (1: genesis is not posted).
    constructor(address batcher_, uint64 firstBlock) {
        batcher = batcher_;
        nextBlock = firstBlock;
    }

    /// Posts a frame carried in this call's calldata.
    function postCalldataFrame(
        uint64 firstBlock,
        uint64 lastBlock,
        uint16 frameIndex,
        uint16 frameCount,
        bytes calldata frame
    ) external onlyBatcher {
        if (frame.length == 0) revert EmptyFrame();
        // Blobs attached here would be paid for and never read.
        if (blobhash(0) != bytes32(0)) revert BlobsWithCalldataFrame();
        bytes32[] memory dataHashes = new bytes32[](1);
        dataHashes[0] = keccak256(frame);
        accept(firstBlock, lastBlock, frameIndex, frameCount, DataSource.Calldata, dataHashes[0], dataHashes);
    }

    /// Posts a frame carried in this (type-3) transaction's blobs, all of them, in order.
    function postBlobFrame(uint64 firstBlock, uint64 lastBlock, uint16 frameIndex, uint16 frameCount)
        external
        onlyBatcher
    {
        uint256 count = 0;
        while (count < MAX_BLOBS_PER_TRANSACTION && blobhash(count) != bytes32(0)) count++;
        if (count == 0) revert NoBlobs();
        bytes32[] memory dataHashes = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) dataHashes[i] = blobhash(i);
        accept(
            firstBlock,
            lastBlock,
            frameIndex,
            frameCount,
            DataSource.Blobs,
            keccak256(abi.encodePacked(dataHashes)),
            dataHashes
        );
    }

    /// The last L2 block of the batches posted in full (nextBlock - 1).
    function lastPostedBlock() external view returns (uint64) {
        return nextBlock - 1;
    }

    function frameCountPosted() external view returns (uint256) {
        return frames.length;
    }

    function frameAt(uint256 frameNumber) external view returns (Frame memory) {
        return frames[frameNumber];
    }

    function accept(
        uint64 firstBlock,
        uint64 lastBlock,
        uint16 frameIndex,
        uint16 frameCount,
        DataSource source,
        bytes32 dataHash,
        bytes32[] memory dataHashes
    ) internal {
        if (lastBlock < firstBlock) revert EmptyRange(firstBlock, lastBlock);
        if (frameIndex >= frameCount) revert InvalidFramePosition(frameIndex, frameCount);
        uint64 expectedFirst = nextBlock;
        uint16 posted = framesPosted;
        if (posted == 0) {
            if (firstBlock > expectedFirst) revert BatchGap(expectedFirst, firstBlock);
            if (firstBlock < expectedFirst) revert BatchOverlap(expectedFirst, firstBlock);
            if (frameIndex != 0) revert UnexpectedFrame(firstBlock, lastBlock, 0, frameCount);
        } else if (
            firstBlock != expectedFirst || lastBlock != pendingLastBlock || frameCount != pendingFrameCount
                || frameIndex != posted
        ) {
            revert UnexpectedFrame(expectedFirst, pendingLastBlock, posted, pendingFrameCount);
        }

        if (frameIndex + 1 == frameCount) {
            nextBlock = lastBlock + 1;
            framesPosted = 0;
            pendingLastBlock = 0;
            pendingFrameCount = 0;
        } else {
            framesPosted = frameIndex + 1;
            pendingLastBlock = lastBlock;
            pendingFrameCount = frameCount;
        }
        uint256 frameNumber = frames.length;
        frames.push(
            Frame({
                firstBlock: firstBlock,
                lastBlock: lastBlock,
                frameIndex: frameIndex,
                frameCount: frameCount,
                source: source,
                l1Timestamp: uint64(block.timestamp),
                dataHash: dataHash
            })
        );
        emit FramePosted(frameNumber, firstBlock, lastBlock, frameIndex, frameCount, source, dataHashes);
    }
}
