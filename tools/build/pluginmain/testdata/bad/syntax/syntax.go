package syntax

func Broken( {
