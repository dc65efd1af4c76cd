import type { FastifyReply } from 'fastify';

export function sendHtml(reply: FastifyReply, status: number, markup: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(markup);
}

/** 303 See Other: after a form POST the browser follows with a GET. */
export function redirectAfterPost(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}
