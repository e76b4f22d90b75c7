#!/usr/bin/env node
// `kubectl calico-pcap ...`: kubectl runs an executable named kubectl-calico_pcap found on PATH,
// forwarding the remaining arguments (a dash in a plugin's command is an underscore in its file
// name; kubectl 1.12 and later, kubernetes staging/src/k8s.io/kubectl/docs/book/pages/
// extending_kubectl/plugin_mechanism.md). package.json installs this file under that name: the
// same command line as calico-pcap, same output, same exit codes.
import { runProcess } from './cli.js';

runProcess();
