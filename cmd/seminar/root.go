package main

import "github.com/spf13/cobra"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "seminar",
		Short:         "SEMINAR on-device ranker: data, train, quantize, eval, rank, study, bench, demo",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newDataCmd(),
		newRankCmd(),
		newQuantizeCmd(),
		newStudyCmd(),
		newVersionCmd(),
		newTrainCmd(),
		newEvalCmd(),
		newResultsCmd(),
		newBenchCmd(),
		newDemoCmd(),
		newServeCmd(),
	)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			cmd.Println("seminar", version)
		},
	}
}

const version = "0.1.0"
