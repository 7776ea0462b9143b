namespace Matrix.Tests.Support;

/// <summary>tau2-bench's domain data in <c>../shared/data/tau2/</c> beside the checkout (never copied into the repository).</summary>
internal static class Tau2Data
{
    public static string Folder(string domain)
    {
        var dir = Path.GetFullPath(Path.Combine(Repo.Root, "..", "shared", "data", "tau2", domain));
        if (!Directory.Exists(dir))
        {
            Assert.Fail($"tau2 test data not found at {dir}: CI places ../shared beside the checkout");
        }

        return dir;
    }
}
