using Matrix.Engine.Runtime;
using Matrix.Engine.Store;
using Matrix.Engine.Transport;

namespace Matrix.Tests.Engine;

/// <summary>Every peer message kind reads back what was written, and a message of another build's version is refused.</summary>
[TestClass]
public sealed class PeerProtocolTests
{
    [TestMethod]
    public void Progress_round_trips()
    {
        var snapshot = new CounterSnapshot(1, 2, 3, 4, 5, 6, 7, long.MaxValue);
        var message = PeerProtocol.EncodeProgress(snapshot);
        Assert.AreEqual(PeerMessageKind.Progress, PeerProtocol.KindOf(message));
        Assert.AreEqual(snapshot, PeerProtocol.DecodeProgress(message));
    }

    [TestMethod]
    public void Content_request_reply_and_free_round_trip()
    {
        ContentRef[] asked = [new(2, 10, 300), new(2, long.MaxValue, 0)];
        var request = PeerProtocol.EncodeContentRequest(41, asked);
        Assert.AreEqual(PeerMessageKind.ContentRequest, PeerProtocol.KindOf(request));
        Assert.AreEqual(41, PeerProtocol.RequestIdOf(request));
        CollectionAssert.AreEqual(asked, PeerProtocol.DecodeContentRequest(request, ownerRank: 2));

        var reply = PeerProtocol.EncodeContentReply(41, ["é\u00e0 long text", string.Empty]);
        Assert.AreEqual(41, PeerProtocol.RequestIdOf(reply));
        var (contents, error) = PeerProtocol.DecodeContentReply(reply);
        Assert.IsNull(error);
        CollectionAssert.AreEqual(new[] { "é\u00e0 long text", string.Empty }, contents);

        var (none, why) = PeerProtocol.DecodeContentReply(PeerProtocol.EncodeContentError(42, "gone"));
        Assert.IsNull(none);
        Assert.AreEqual("gone", why);

        Assert.AreEqual("task-7/1", PeerProtocol.DecodeContentFree(PeerProtocol.EncodeContentFree("task-7/1")));
    }

    [TestMethod]
    public void A_message_of_another_version_or_kind_is_refused()
    {
        var request = PeerProtocol.EncodeContentRequest(1, [new ContentRef(0, 1, 1)]);
        request[1] = PeerProtocol.Version + 1;
        Assert.ThrowsExactly<InvalidDataException>(() => PeerProtocol.DecodeContentRequest(request, 0));

        var free = PeerProtocol.EncodeContentFree("t");
        Assert.ThrowsExactly<InvalidDataException>(() => PeerProtocol.DecodeContentReply(free));

        var truncated = PeerProtocol.EncodeContentRequest(1, [new ContentRef(0, 1, 1)])[..^4];
        Assert.ThrowsExactly<InvalidDataException>(() => PeerProtocol.DecodeContentRequest(truncated, 0));
        Assert.ThrowsExactly<InvalidDataException>(() => PeerProtocol.DecodeProgress(free));
    }
}
