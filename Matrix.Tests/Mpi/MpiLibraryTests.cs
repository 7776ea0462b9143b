using Matrix.Mpi.Native;

namespace Matrix.Tests.Mpi;

/// <summary>Loading the system MPI library in the test process (no MPI_Init here: that is once per process).</summary>
[TestClass]
[TestCategory("cluster")]
public sealed class MpiLibraryTests
{
    [TestMethod]
    public void A_missing_library_loads_as_null()
    {
        Assert.IsNull(MpiLibrary.TryLoad(["libno-such-mpi.so.1", "libno-such-mpich.so.99"]));
    }

    [TestMethod]
    public void Installed_Open_MPI_is_found_and_told_apart_by_its_exports()
    {
        var mpi = MpiLibrary.TryLoad(MpiLibrary.DefaultNames);
        if (mpi is null)
        {
            Assert.Fail($"no MPI library (libmpi.so.40 or libmpich.so.12) is installed: {MpiProcess.InstallHint}");
        }

        Assert.AreEqual("libmpi.so.40", mpi.Name);
        Assert.AreEqual(MpiFlavor.OpenMpi, mpi.Flavor);
        // Both are allowed before MPI_Init.
        Assert.StartsWith("Open MPI v", mpi.LibraryVersion());
        Assert.IsFalse(mpi.IsInitialized());
    }
}
