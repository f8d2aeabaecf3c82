// aws-local-stepfunctions uses Promise.withResolvers (Node 22+); the machines run Node 20.
import '../../local/promise-with-resolvers';
