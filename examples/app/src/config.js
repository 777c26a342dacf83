// Service configuration.
//
// DEMO ONLY: the token below is FAKE (it is not valid anywhere). It is the
// kind of mistake Security Gate is meant to catch: a credential committed in
// source code instead of being read from the environment or a secret store.
const settings = {
  serviceName: 'example-app',
  port: Number(process.env.PORT || 3000),
  githubToken: 'ghp_Xk9mP2qR7sT4vW8yZ1bC5dF3gH6jL0nQ2rS9',
};

module.exports = { settings };
