using HelloScenario;
using Matrix.Hosting;

// The whole executable: every verb (run, sim-server, inspect), settings, progress and Arrow output.
return await MatrixHost.RunAsync(args, [new PoemScenario()]);
