using Matrix.Hosting;

return await MatrixHost.RunAsync(args, Matrix.Scenarios.BuiltInScenarios.All).ConfigureAwait(false);
